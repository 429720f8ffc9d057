//! The HubSpot simulator. (Being built: issue 3.)
