//! When a connection's request-head deadline runs, decided from the bytes alone (no clock, no I/O).
//!
//! The deadline bounds how long a client may take to send one request head, counted from that request's first
//! byte. It is not an idle timeout: a kept-alive connection waiting between requests has no deadline, so the edge's
//! pooled connections stay open for as long as it keeps them. The one exception is a connection that has never
//! sent anything: its first head is due from the moment it was accepted, since no honest client opens a connection
//! to the origin and then says nothing.
//!
//! The phases follow one request: `Idle` --first byte read--> `ReadingHead` (deadline armed) --the empty line that
//! ends the head--> `InRequest` (deadline disarmed: the body and the handler are bounded by the router's own time
//! limit) --the server starts a final response--> `Idle`.
//!
//! The end of a head is found the way the server's parser (httparse, under hyper) finds it: an empty line after a
//! line with content, where a line ends in LF and a CR before it is optional. Empty lines before the request line
//! do not count, because the parser skips them and goes on waiting; were they taken for the end, a client could
//! send `\r\n\r\n` first and then trickle the real head with no deadline at all. When the deadline is in doubt it
//! stays armed: a head ended early by mistake would free a slow client, while a deadline kept a little long only
//! closes a connection that is already far slower than the edge.

/// Where a connection is in its current request, as seen from the bytes it read and wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadDeadline {
    phase: Phase,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Between requests: nothing of the next request has been read.
    Idle,
    /// Part of a request head has been read (or, on a new connection, is due); the deadline runs.
    ReadingHead(LineScan),
    /// The head is in; the request is the router's until the server answers it.
    InRequest(ResponseScan),
}

/// Finds the empty line that ends an HTTP/1 head, across any number of reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct LineScan {
    /// A byte other than CR or LF has been seen, so the next empty line ends the head rather than being one of
    /// the empty lines a parser skips before a request line.
    seen_content: bool,
    /// The current line has had nothing but CRs since its start (its LF would make it empty).
    line_is_empty: bool,
}

impl LineScan {
    /// Takes one byte and says whether it ended the head.
    fn take(&mut self, byte: u8) -> bool {
        match byte {
            b'\n' if self.line_is_empty && self.seen_content => true,
            b'\n' => {
                self.line_is_empty = true;
                false
            }
            // A CR belongs to the line ending that follows it, so it leaves the line as empty as it was.
            b'\r' => false,
            _ => {
                self.seen_content = true;
                self.line_is_empty = false;
                false
            }
        }
    }
}

/// Tells a final response from an interim one (`100 Continue`) in the bytes the server writes for a request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct ResponseScan {
    /// How many bytes of the current response's status line have been written (counted up to the status code).
    status_line_written: usize,
    /// Set once an interim response is recognised: its head's end, after which the next response begins.
    interim: Option<LineScan>,
}

/// The first digit of the status code is the tenth byte of a status line (`HTTP/1.1 200 OK`).
const STATUS_DIGIT_INDEX: usize = "HTTP/1.1 ".len();

impl ResponseScan {
    /// Takes one written byte and says whether it shows a final response has begun.
    fn take(&mut self, byte: u8) -> bool {
        if let Some(interim) = &mut self.interim {
            if interim.take(byte) {
                // The interim response is complete; the next byte starts another response.
                *self = ResponseScan::default();
            }
            return false;
        }
        if self.status_line_written == STATUS_DIGIT_INDEX {
            if byte == b'1' {
                self.interim = Some(LineScan { seen_content: true, line_is_empty: false });
                return false;
            }
            return true;
        }
        self.status_line_written += 1;
        false
    }
}

impl HeadDeadline {
    /// A connection just accepted: its first request head is due from now, so the deadline is armed.
    pub fn for_new_connection() -> Self {
        Self { phase: Phase::ReadingHead(LineScan::default()) }
    }

    /// Whether the head deadline runs now.
    pub fn is_armed(&self) -> bool {
        matches!(self.phase, Phase::ReadingHead(_))
    }

    /// Takes bytes the client sent, in order. After it, [`Self::is_armed`] says whether a head is being read: a
    /// change from disarmed to armed starts a new deadline.
    pub fn bytes_read(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            match &mut self.phase {
                Phase::Idle => {
                    // This byte is the next request's first: the deadline starts, and the byte is part of the head.
                    let mut scan = LineScan::default();
                    let ended = scan.take(byte);
                    debug_assert!(!ended, "one byte cannot end a head");
                    self.phase = Phase::ReadingHead(scan);
                }
                Phase::ReadingHead(scan) => {
                    if scan.take(byte) {
                        self.phase = Phase::InRequest(ResponseScan::default());
                    }
                }
                // The rest is the body, or a pipelined request the server has not reached: the request's own time
                // limit bounds both, and the pipelined one is a head again once this request is answered. Nothing
                // read now can change the phase, so the rest of the bytes (a large upload, say) are not walked.
                Phase::InRequest(_) => return,
            }
        }
    }

    /// Takes bytes the server wrote, in order. A final response to the request in hand makes the connection idle;
    /// an interim `100 Continue` does not, since the body it asks for is still the same request's.
    pub fn bytes_written(&mut self, bytes: &[u8]) {
        // Only a request being handled is answered; what the server writes otherwise (the rest of a response
        // already begun, or the refusal of a malformed head) changes nothing, and in particular never disarms a
        // head that is not in.
        let Phase::InRequest(scan) = &mut self.phase else { return };
        for &byte in bytes {
            if scan.take(byte) {
                self.phase = Phase::Idle;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &[u8] = b"POST /v1/consent HTTP/1.1\r\nHost: origin\r\nContent-Length: 2\r\n\r\n";
    const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";

    /// A connection that has already served one request and sits idle, as the edge's pooled ones do.
    fn idle() -> HeadDeadline {
        let mut deadline = HeadDeadline::for_new_connection();
        deadline.bytes_read(HEAD);
        deadline.bytes_written(RESPONSE);
        assert!(!deadline.is_armed());
        deadline
    }

    #[test]
    fn a_new_connection_owes_its_first_head_from_the_start() {
        let deadline = HeadDeadline::for_new_connection();
        assert!(deadline.is_armed());
    }

    #[test]
    fn a_head_read_whole_disarms_and_the_answer_leaves_the_connection_idle_without_a_deadline() {
        let mut deadline = HeadDeadline::for_new_connection();
        deadline.bytes_read(HEAD);
        assert!(!deadline.is_armed(), "the head is in");
        deadline.bytes_written(RESPONSE);
        assert!(!deadline.is_armed(), "an idle kept-alive connection has no deadline");
        assert_eq!(deadline, idle());
    }

    #[test]
    fn the_first_byte_of_the_next_request_arms_it_and_its_end_disarms_it() {
        let mut deadline = idle();
        deadline.bytes_read(b"P");
        assert!(deadline.is_armed());
        deadline.bytes_read(&HEAD[1..]);
        assert!(!deadline.is_armed());
    }

    #[test]
    fn a_head_read_a_byte_at_a_time_stays_armed_until_its_last_byte() {
        let mut deadline = idle();
        for (index, byte) in HEAD.iter().enumerate() {
            deadline.bytes_read(std::slice::from_ref(byte));
            let last = index == HEAD.len() - 1;
            assert_eq!(deadline.is_armed(), !last, "after byte {index} ({:?})", char::from(*byte));
        }
    }

    #[test]
    fn the_empty_line_is_found_wherever_the_reads_split_it() {
        for split in 1..HEAD.len() {
            let mut deadline = idle();
            deadline.bytes_read(&HEAD[..split]);
            assert!(deadline.is_armed(), "split at {split}");
            deadline.bytes_read(&HEAD[split..]);
            assert!(!deadline.is_armed(), "split at {split}");
        }
    }

    #[test]
    fn head_and_body_in_one_read_disarm_and_the_body_changes_nothing() {
        let mut deadline = idle();
        // A body that looks like another head's start and end is still this request's body.
        let mut bytes = HEAD.to_vec();
        bytes.extend_from_slice(b"{}GET / HTTP/1.1\r\n");
        deadline.bytes_read(&bytes);
        assert!(!deadline.is_armed());
        deadline.bytes_read(b"X-Trickle: 1");
        assert!(!deadline.is_armed(), "the body is the router's time limit's, not this deadline's");
    }

    #[test]
    fn a_pipelined_request_read_with_the_first_is_a_head_again_once_the_first_is_answered() {
        let mut deadline = idle();
        let mut bytes = HEAD.to_vec();
        bytes.extend_from_slice(b"{}");
        bytes.extend_from_slice(b"GET /health HTTP/1.1\r\nHo");
        deadline.bytes_read(&bytes);
        assert!(!deadline.is_armed(), "the first request is in");
        deadline.bytes_written(RESPONSE);
        assert!(!deadline.is_armed(), "what is left of the second head has not been read yet");
        deadline.bytes_read(b"s");
        assert!(deadline.is_armed(), "the rest of the second head is due");
        deadline.bytes_read(b"t: origin\r\n\r\n");
        assert!(!deadline.is_armed());
    }

    #[test]
    fn bare_line_feeds_end_a_head_as_the_parser_accepts_them() {
        let heads: [&[u8]; 3] =
            [b"GET / HTTP/1.1\nHost: o\n\n", b"GET / HTTP/1.1\r\nHost: o\r\n\n", b"GET / HTTP/1.1\n\r\n"];
        for head in heads {
            let mut deadline = idle();
            deadline.bytes_read(head);
            assert!(!deadline.is_armed(), "{:?}", String::from_utf8_lossy(head));
        }
    }

    #[test]
    fn empty_lines_before_the_request_line_do_not_end_the_head() {
        // The parser skips them and waits on, so a client sending them first must still be on the clock.
        let mut deadline = HeadDeadline::for_new_connection();
        deadline.bytes_read(b"\r\n\r\n\n\n\r\n");
        assert!(deadline.is_armed());
        deadline.bytes_read(b"GET / HTTP/1.1\r\n");
        assert!(deadline.is_armed());
        deadline.bytes_read(b"\r\n");
        assert!(!deadline.is_armed());
        let mut deadline = idle();
        deadline.bytes_read(b"\r\n\r\n");
        assert!(deadline.is_armed());
    }

    #[test]
    fn a_body_cannot_lend_its_line_ends_to_the_next_head() {
        // A body ending in an empty line's start, then an LF after the answer: to the parser the LF is an empty
        // line before a request line, so the next head has not ended.
        let mut deadline = idle();
        let mut bytes = HEAD.to_vec();
        bytes.extend_from_slice(b"a\n");
        deadline.bytes_read(&bytes);
        deadline.bytes_written(RESPONSE);
        deadline.bytes_read(b"\n");
        assert!(deadline.is_armed());
    }

    #[test]
    fn a_response_written_in_pieces_makes_the_connection_idle_at_its_status_code() {
        let mut deadline = idle();
        deadline.bytes_read(HEAD);
        for (index, byte) in RESPONSE.iter().enumerate() {
            deadline.bytes_written(std::slice::from_ref(byte));
            // Nothing is read meanwhile, so the only sign of idleness is the next request's first byte arming.
            let mut probe = deadline;
            probe.bytes_read(b"G");
            assert_eq!(probe.is_armed(), index >= STATUS_DIGIT_INDEX, "after written byte {index}");
        }
    }

    #[test]
    fn a_100_continue_keeps_the_request_in_hand_and_the_final_answer_ends_it() {
        let mut deadline = idle();
        deadline.bytes_read(b"POST /insurer/v1/batches HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 9\r\n\r\n");
        deadline.bytes_written(b"HTTP/1.1 100 Continue\r\n\r\n");
        // The body the interim answer asked for is not a new head.
        deadline.bytes_read(b"{\"op\":1}\n");
        assert!(!deadline.is_armed());
        // The interim and final answers in one write, split anywhere, end the request too.
        let both = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n";
        for split in 0..both.len() {
            let mut deadline = idle();
            deadline.bytes_read(HEAD);
            deadline.bytes_written(&both[..split]);
            deadline.bytes_written(&both[split..]);
            deadline.bytes_read(b"G");
            assert!(deadline.is_armed(), "split at {split}");
        }
    }

    #[test]
    fn nothing_the_server_writes_disarms_a_head_that_is_not_in() {
        let mut deadline = idle();
        deadline.bytes_read(b"GET / HTTP/1.1\r\n");
        deadline.bytes_written(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        assert!(deadline.is_armed());
        let mut fresh = HeadDeadline::for_new_connection();
        fresh.bytes_written(RESPONSE);
        assert!(fresh.is_armed());
    }

    #[test]
    fn many_small_reads_of_many_requests_keep_the_phases_in_step() {
        let mut deadline = HeadDeadline::for_new_connection();
        for request in 0..50 {
            for chunk in HEAD.chunks(1 + request % 7) {
                assert!(deadline.is_armed() || chunk.as_ptr() == HEAD.as_ptr(), "request {request}");
                deadline.bytes_read(chunk);
            }
            assert!(!deadline.is_armed(), "request {request}");
            deadline.bytes_read(b"{}");
            deadline.bytes_written(RESPONSE);
            assert!(!deadline.is_armed(), "request {request}");
        }
    }
}
