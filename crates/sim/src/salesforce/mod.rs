//! The Salesforce simulator. (Being built: issue 3.)
