//! Deterministic scenario generator. (Being built: issue 3.)
