//! Picks the right driver for a reader: APDU-level CCID, TPDU-level CCID (with T=1 on the host) or the Sony
//! RC-S380, from the interface class the platform claimed and the configuration descriptor it read.
//! Everything above ([`crate::jpki`], [`crate::flow`]) sees one [`Transport`].

use crate::ccid::{Atr, CcidClassDescriptor, CcidReader, ExchangeLevel, IccStatus, T1Parameters};
use crate::error::CardError;
use crate::port100::Rcs380;
use crate::t1::{MAX_IFS, T1Host, ifsc_from_atr};
use crate::transport::{Transport, TransportError, UsbBulk};

/// What the claimed USB interface speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReaderProtocol {
    /// USB CCID (interface class 0x0B).
    Ccid,
    /// Sony NFC Port-100 (vendor class 0xFF, RC-S380).
    Port100,
}

/// Which driver [`open`] chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReaderLevel {
    /// CCID at short APDU level.
    ShortApdu,
    /// CCID at short and extended APDU level.
    ExtendedApdu,
    /// CCID at TPDU level; the host runs T=1.
    Tpdu,
    /// Sony RC-S380; the host runs Type B activation and ISO-DEP.
    Rcs380,
}

/// Any supported reader.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)] // One reader per kiosk session; the size does not matter.
pub enum AnyReader<B> {
    /// An APDU-level CCID reader.
    Apdu(CcidReader<B>),
    /// A TPDU-level CCID reader with the host's T=1 engine.
    Tpdu(T1Host<CcidReader<B>>),
    /// A Sony RC-S380.
    Rcs380(Rcs380<B>),
}

/// Chooses the driver. For CCID the class descriptor is looked up in `configuration_descriptor` (the bytes
/// of GET_DESCRIPTOR(CONFIGURATION)); if it is missing, the reader is driven at short APDU level, which every
/// APDU-level reader accepts. Character-level readers are refused.
pub fn open<B: UsbBulk>(
    bulk: B,
    protocol: ReaderProtocol,
    configuration_descriptor: &[u8],
) -> Result<AnyReader<B>, CardError> {
    match protocol {
        ReaderProtocol::Port100 => Ok(AnyReader::Rcs380(Rcs380::new(bulk))),
        ReaderProtocol::Ccid => match CcidClassDescriptor::find_in_configuration(configuration_descriptor) {
            Err(_) => Ok(AnyReader::Apdu(CcidReader::new(bulk))),
            Ok(descriptor) => match descriptor.exchange_level() {
                ExchangeLevel::ShortApdu | ExchangeLevel::ShortAndExtendedApdu => {
                    Ok(AnyReader::Apdu(CcidReader::with_descriptor(bulk, &descriptor)?))
                }
                ExchangeLevel::Tpdu => {
                    let ccid = CcidReader::tpdu_with_descriptor(bulk, &descriptor)?;
                    Ok(AnyReader::Tpdu(T1Host::new(ccid, crate::t1::DEFAULT_IFSC)))
                }
                ExchangeLevel::Character => {
                    Err(CardError::Transport(TransportError::UnsupportedReader("character-level exchange")))
                }
            },
        },
    }
}

impl<B: UsbBulk> AnyReader<B> {
    /// Which driver this is.
    pub fn level(&self) -> ReaderLevel {
        match self {
            Self::Apdu(reader) if reader.supports_extended_length() => ReaderLevel::ExtendedApdu,
            Self::Apdu(_) => ReaderLevel::ShortApdu,
            Self::Tpdu(_) => ReaderLevel::Tpdu,
            Self::Rcs380(_) => ReaderLevel::Rcs380,
        }
    }

    /// Powers the card up (activates it, for the RC-S380) and returns its ATR. For a TPDU reader this also
    /// sets the T=1 parameters and tells the card our IFSD.
    pub async fn power_on(&mut self) -> Result<Atr, TransportError> {
        match self {
            Self::Apdu(reader) => reader.power_on().await,
            Self::Tpdu(host) => {
                let atr = host.link_mut().power_on().await?;
                let ifsc = ifsc_from_atr(atr.as_bytes());
                host.link_mut().set_t1_parameters(&T1Parameters::lrc_with_ifsc(ifsc)).await?;
                host.reset(ifsc);
                host.negotiate_ifsd(MAX_IFS).await?;
                Ok(atr)
            }
            Self::Rcs380(reader) => reader.power_on().await,
        }
    }

    /// Whether a card is present: the CCID slot status, or an ISO-DEP presence check on the RC-S380 (which
    /// does not disturb the card between APDUs).
    pub async fn card_present(&mut self) -> Result<bool, TransportError> {
        let status = match self {
            Self::Apdu(reader) => reader.slot_status().await?,
            Self::Tpdu(host) => host.link_mut().slot_status().await?,
            Self::Rcs380(reader) => return reader.card_present().await,
        };
        Ok(status != IccStatus::Absent)
    }

    /// Gives the bulk endpoints back.
    pub fn into_inner(self) -> B {
        match self {
            Self::Apdu(reader) => reader.into_inner(),
            Self::Tpdu(host) => host.into_inner().into_inner(),
            Self::Rcs380(reader) => reader.into_inner(),
        }
    }
}

impl<B: UsbBulk> Transport for AnyReader<B> {
    async fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self {
            Self::Apdu(reader) => reader.transmit(command).await,
            Self::Tpdu(host) => host.transmit(command).await,
            Self::Rcs380(reader) => reader.transmit(command).await,
        }
    }

    fn supports_extended_length(&self) -> bool {
        match self {
            Self::Apdu(reader) => reader.supports_extended_length(),
            Self::Tpdu(host) => host.supports_extended_length(),
            Self::Rcs380(reader) => reader.supports_extended_length(),
        }
    }
}
