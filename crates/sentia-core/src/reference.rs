//! Regions, sales channels and other reference codes.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::currency::Currency;

/// A sales region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Region {
    /// United Kingdom, sold in GBP.
    #[serde(rename = "UK")]
    Uk,
    /// European Union, sold in EUR.
    #[serde(rename = "EU")]
    Eu,
    /// United States, sold in USD.
    #[serde(rename = "US")]
    Us,
}

impl Region {
    /// All regions.
    pub const ALL: [Region; 3] = [Region::Uk, Region::Eu, Region::Us];

    /// Short code as used in the API and the database.
    pub fn code(self) -> &'static str {
        match self {
            Region::Uk => "UK",
            Region::Eu => "EU",
            Region::Us => "US",
        }
    }

    /// Human name.
    pub fn name(self) -> &'static str {
        match self {
            Region::Uk => "United Kingdom",
            Region::Eu => "European Union",
            Region::Us => "United States",
        }
    }

    /// The currency customers in this region pay in.
    pub fn currency(self) -> Currency {
        match self {
            Region::Uk => Currency::Gbp,
            Region::Eu => Currency::Eur,
            Region::Us => Currency::Usd,
        }
    }
}

impl FromStr for Region {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "UK" => Ok(Region::Uk),
            "EU" => Ok(Region::Eu),
            "US" => Ok(Region::Us),
            other => Err(format!("unknown region '{other}': expected UK, EU or US")),
        }
    }
}

/// How a sales channel sells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// Amazon marketplace, fulfilled by Amazon.
    AmazonFba,
    /// Own Shopify store.
    Shopify,
}

impl ChannelKind {
    /// Code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            ChannelKind::AmazonFba => "amazon_fba",
            ChannelKind::Shopify => "shopify",
        }
    }
}

impl FromStr for ChannelKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "amazon_fba" => Ok(ChannelKind::AmazonFba),
            "shopify" => Ok(ChannelKind::Shopify),
            other => Err(format!("unknown channel kind '{other}'")),
        }
    }
}

/// A role a user holds. Permissions hang off roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    /// Everything, including system administration.
    Admin,
    /// Runs the business: reads and changes planning data.
    Manager,
    /// Executes production.
    Operator,
    /// Reads dashboards.
    Viewer,
}

impl Role {
    /// All roles, most powerful first.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Manager, Role::Operator, Role::Viewer];

    /// Code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "ADMIN",
            Role::Manager => "MANAGER",
            Role::Operator => "OPERATOR",
            Role::Viewer => "VIEWER",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == s)
            .ok_or_else(|| format!("unknown role '{s}'"))
    }
}
