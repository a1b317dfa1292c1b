//! Evidence packs.
