//! corio
