//! One folder per destination; destinations never import each other.

pub mod dhis2;
pub mod openlmis;
