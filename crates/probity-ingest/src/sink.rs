//! Where decoders put what they produce.

use probity_model::{DeadLetter, Event};

use crate::Result;

/// Receives decoded events and rejected inputs. A sink may refuse more (a store failure) by
/// returning an error; the decoder then stops and passes the error up.
pub trait Sink {
    fn event(&mut self, event: Event) -> Result<()>;
    fn reject(&mut self, letter: DeadLetter) -> Result<()>;
}

/// A sink that keeps everything in memory: a request's worth of events, or a test's.
#[derive(Debug, Default)]
pub struct Batch {
    pub events: Vec<Event>,
    pub rejected: Vec<DeadLetter>,
}

impl Batch {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.rejected.is_empty()
    }
}

impl Sink for Batch {
    fn event(&mut self, event: Event) -> Result<()> {
        self.events.push(event);
        Ok(())
    }

    fn reject(&mut self, letter: DeadLetter) -> Result<()> {
        self.rejected.push(letter);
        Ok(())
    }
}
