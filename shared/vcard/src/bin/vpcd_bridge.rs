//! `vpcd-bridge`: connects a virtual My Number card to vsmartcard's vpcd so that pcscd exposes it to any PC/SC
//! application (`pcsc_scan`, OpenSC, `scriptor`). Usage: `vpcd-bridge [--host H] [--port P] [--card N]`
//! (defaults 127.0.0.1, 35963, demo card 0). This is the thin I/O adapter; the protocol is
//! `onshi_vcard::vpcd`.

use std::io::{Read, Write};
use std::net::TcpStream;

use onshi_vcard::VirtualCard;
use onshi_vcard::vpcd::{DEFAULT_PORT, VpcdCard, frame};

/// Serves one vpcd connection until vpcd closes it.
fn serve<S: Read + Write>(stream: &mut S, card: &mut VpcdCard) -> std::io::Result<()> {
    loop {
        let mut length = [0u8; 2];
        match stream.read_exact(&mut length) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(error) => return Err(error),
        }
        let mut payload = vec![0u8; usize::from(u16::from_be_bytes(length))];
        stream.read_exact(&mut payload)?;
        if let Some(reply) = card.handle(&payload) {
            let framed = frame(&reply).ok_or_else(|| std::io::Error::other("reply longer than 65 535 bytes"))?;
            stream.write_all(&framed)?;
            stream.flush()?;
        }
    }
}

fn main() -> Result<(), String> {
    let mut host = "127.0.0.1".to_owned();
    let mut port = DEFAULT_PORT;
    let mut card_index = 0usize;
    let mut arguments = std::env::args().skip(1);
    while let Some(argument) = arguments.next() {
        let value = arguments.next().ok_or_else(|| format!("{argument} needs a value"))?;
        match argument.as_str() {
            "--host" => host = value,
            "--port" => port = value.parse().map_err(|_| format!("bad port {value}"))?,
            "--card" => card_index = value.parse().map_err(|_| format!("bad card index {value}"))?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let card = VirtualCard::demo(card_index).map_err(|error| error.to_string())?;
    let mut vpcd_card = VpcdCard::new(card);
    let mut stream =
        TcpStream::connect((host.as_str(), port)).map_err(|error| format!("connect {host}:{port}: {error}"))?;
    eprintln!("vpcd-bridge: demo card {card_index} connected to vpcd at {host}:{port}");
    serve(&mut stream, &mut vpcd_card).map_err(|error| error.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A failed unwrap is a failed test.
mod tests {
    use std::net::TcpListener;

    use super::*;

    /// A tiny vpcd stand-in: listens, accepts the bridge, asks for the ATR, powers on, selects the JPKI AP and
    /// reads the certificate header, as pcscd would on behalf of a PC/SC client.
    #[test]
    fn a_vpcd_side_stub_reads_the_virtual_card_over_tcp() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let bridge = std::thread::spawn(move || {
            let mut stream = TcpStream::connect(address).unwrap();
            let mut card = VpcdCard::new(VirtualCard::demo(0).unwrap());
            serve(&mut stream, &mut card).unwrap();
        });
        let (mut vpcd, _) = listener.accept().unwrap();
        let mut ask = |payload: &[u8], expect_reply: bool| -> Option<Vec<u8>> {
            vpcd.write_all(&frame(payload).unwrap()).unwrap();
            if !expect_reply {
                return None;
            }
            let mut length = [0u8; 2];
            vpcd.read_exact(&mut length).unwrap();
            let mut reply = vec![0u8; usize::from(u16::from_be_bytes(length))];
            vpcd.read_exact(&mut reply).unwrap();
            Some(reply)
        };
        assert_eq!(ask(&[0x01], false), None);
        assert_eq!(ask(&[0x04], true).unwrap(), vec![0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14]);
        let select = [0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
        assert_eq!(ask(&select, true).unwrap(), vec![0x90, 0x00]);
        let header = ask(&[0x00, 0xB0, 0x8A, 0x00, 0x04], true).unwrap();
        assert_eq!(&header[..2], &[0x30, 0x82]);
        assert_eq!(&header[4..], &[0x90, 0x00]);
        drop(vpcd);
        bridge.join().unwrap();
    }
}
