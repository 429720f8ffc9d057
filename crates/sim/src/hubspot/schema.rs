//! Property definitions per object type, and how a written value is validated and normalised.
//!
//! State: a [`Schema`] per object type holds its [`PropertyDef`]s in creation order (a
//! definition's index is the [`PropId`] records use) and a name index. HubSpot-defined
//! properties come first, then the scenario's custom properties, then those created through
//! `POST /crm/v3/properties/{type}`. Some properties are computed when read (`hs_object_id`,
//! `lastmodifieddate`, `hs_is_closed_won`...): they have a [`Computed`] rule and no stored value.

use super::record::{ObjectKind, PropId};
use std::collections::HashMap;

/// A property's data type (`type` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropType {
    /// Free text.
    String,
    /// A decimal number, kept as text.
    Number,
    /// A calendar date (midnight UTC), `YYYY-MM-DD`.
    Date,
    /// A point in time, ISO-8601.
    Datetime,
    /// One (or, for checkboxes, several `;`-separated) of the options.
    Enumeration,
    /// `true` or `false`.
    Bool,
}

impl PropType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            PropType::String => "string",
            PropType::Number => "number",
            PropType::Date => "date",
            PropType::Datetime => "datetime",
            PropType::Enumeration => "enumeration",
            PropType::Bool => "bool",
        }
    }

    /// Parses a wire name (and `phone_number`, which HubSpot keeps as a string).
    pub fn parse(text: &str) -> Option<PropType> {
        Some(match text {
            "string" | "phone_number" => PropType::String,
            "number" => PropType::Number,
            "date" => PropType::Date,
            "datetime" => PropType::Datetime,
            "enumeration" => PropType::Enumeration,
            "bool" => PropType::Bool,
            _ => return None,
        })
    }

    /// The field types HubSpot allows with this type, the first being the default.
    pub fn field_types(self) -> &'static [&'static str] {
        match self {
            PropType::String => &["text", "textarea", "html", "phonenumber", "file"],
            PropType::Number => &["number", "calculation_equation"],
            PropType::Date | PropType::Datetime => &["date"],
            PropType::Enumeration => &["select", "radio", "checkbox", "booleancheckbox"],
            PropType::Bool => &["booleancheckbox"],
        }
    }
}

/// One option of an enumeration.
#[derive(Debug, Clone, PartialEq)]
pub struct OptionDef {
    /// Shown to users.
    pub label: String,
    /// Stored and sent on the wire.
    pub value: String,
    /// Position in pickers.
    pub display_order: i32,
    /// Hidden from pickers (still valid).
    pub hidden: bool,
    /// Description.
    pub description: String,
}

/// How a computed property is derived when read.
#[derive(Debug, Clone, PartialEq)]
pub enum Computed {
    /// `hs_object_id`: the record id.
    ObjectId,
    /// `lastmodifieddate` / `hs_lastmodifieddate`: `updatedAt`.
    LastModified,
    /// Deals' `hs_is_closed_won`, from the stage's metadata.
    IsClosedWon,
    /// Deals' `hs_is_closed`.
    IsClosed,
    /// Deals' `hs_deal_stage_probability`.
    StageProbability,
    /// Deals' `hs_date_entered_<stage>`: when `dealstage` first took this value.
    DateEnteredStage(String),
}

/// One property definition.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyDef {
    /// Internal name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Description.
    pub description: String,
    /// Property group.
    pub group: String,
    /// Data type.
    pub kind: PropType,
    /// UI field type.
    pub field_type: String,
    /// Enumeration options.
    pub options: Vec<OptionDef>,
    /// Values cannot be written through the API.
    pub read_only_value: bool,
    /// The definition cannot be changed.
    pub read_only_definition: bool,
    /// HubSpot calculates it.
    pub calculated: bool,
    /// Defined by HubSpot (not custom).
    pub hubspot_defined: bool,
    /// Values are unique across records (usable as `idProperty`).
    pub has_unique_value: bool,
    /// Derived when read rather than stored.
    pub computed: Option<Computed>,
    /// Position in its group.
    pub display_order: i32,
    /// Shown on forms.
    pub form_field: bool,
    /// Archived (invisible to reads and writes).
    pub archived: bool,
    /// When created (epoch ms; 0 for HubSpot's own).
    pub created_ms: i64,
    /// When last changed.
    pub updated_ms: i64,
}

impl PropertyDef {
    /// A HubSpot-defined property with defaults for everything but name, label, type and group.
    pub fn builtin(name: &str, label: &str, kind: PropType, group: &str) -> PropertyDef {
        PropertyDef {
            name: name.to_owned(),
            label: label.to_owned(),
            description: String::new(),
            group: group.to_owned(),
            kind,
            field_type: kind.field_types()[0].to_owned(),
            options: Vec::new(),
            read_only_value: false,
            read_only_definition: true,
            calculated: false,
            hubspot_defined: true,
            has_unique_value: false,
            computed: None,
            display_order: -1,
            form_field: false,
            archived: false,
            created_ms: 0,
            updated_ms: 0,
        }
    }

    fn read_only(mut self) -> Self {
        self.read_only_value = true;
        self
    }

    fn calculated(mut self) -> Self {
        self.read_only_value = true;
        self.calculated = true;
        self
    }

    fn computed(mut self, rule: Computed) -> Self {
        self.computed = Some(rule);
        self.calculated().read_only()
    }

    fn field(mut self, field_type: &str) -> Self {
        self.field_type = field_type.to_owned();
        self
    }

    fn with_options(mut self, options: &[(&str, &str)]) -> Self {
        self.set_options(options);
        self
    }

    /// Replaces the options with `(value, label)` pairs in order.
    pub fn set_options(&mut self, options: &[(&str, &str)]) {
        self.options = options
            .iter()
            .enumerate()
            .map(|(i, (value, label))| OptionDef {
                label: (*label).to_owned(),
                value: (*value).to_owned(),
                display_order: i as i32,
                hidden: false,
                description: String::new(),
            })
            .collect();
    }

    /// True for enumerations that hold several `;`-separated values.
    pub fn is_multi(&self) -> bool {
        self.kind == PropType::Enumeration && self.field_type == "checkbox"
    }
}

/// Lifecycle stages in funnel order, with labels.
pub const LIFECYCLE_STAGES: [(&str, &str); 8] = [
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
];

const LEAD_STATUSES: [(&str, &str); 8] = [
    ("NEW", "New"),
    ("OPEN", "Open"),
    ("IN_PROGRESS", "In Progress"),
    ("OPEN_DEAL", "Open Deal"),
    ("UNQUALIFIED", "Unqualified"),
    ("ATTEMPTED_TO_CONTACT", "Attempted to Contact"),
    ("CONNECTED", "Connected"),
    ("BAD_TIMING", "Bad Timing"),
];

const ANALYTICS_SOURCES: [(&str, &str); 10] = [
    ("ORGANIC_SEARCH", "Organic Search"),
    ("PAID_SEARCH", "Paid Search"),
    ("EMAIL_MARKETING", "Email Marketing"),
    ("SOCIAL_MEDIA", "Organic Social"),
    ("REFERRALS", "Referrals"),
    ("OTHER_CAMPAIGNS", "Other Campaigns"),
    ("DIRECT_TRAFFIC", "Direct Traffic"),
    ("OFFLINE", "Offline Sources"),
    ("PAID_SOCIAL", "Paid Social"),
    ("AI_REFERRALS", "AI Referrals"),
];

/// A property group (`groupName`).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupDef {
    /// Internal name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Order.
    pub display_order: i32,
    /// Archived.
    pub archived: bool,
}

/// HubSpot's own property groups of an object type, `(name, label)`.
pub fn default_groups(kind: ObjectKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        ObjectKind::Contact => &[
            ("contactinformation", "Contact information"),
            ("analyticsinformation", "Web analytics history"),
            ("conversioninformation", "Conversion information"),
            ("sales_properties", "Sales properties"),
            ("emailinformation", "Email information"),
        ],
        ObjectKind::Deal => &[
            ("dealinformation", "Deal information"),
            ("deal_activity", "Deal activity"),
        ],
        ObjectKind::Company => &[("companyinformation", "Company information")],
    }
}

/// The property definitions (and property groups) of one object type.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    defs: Vec<PropertyDef>,
    by_name: HashMap<String, PropId>,
    groups: Vec<GroupDef>,
}

impl Schema {
    /// Adds a definition and returns its id.
    pub fn add(&mut self, def: PropertyDef) -> PropId {
        let id = self.defs.len() as PropId;
        self.by_name.insert(def.name.clone(), id);
        self.defs.push(def);
        id
    }

    /// A live property group.
    pub fn group(&self, name: &str) -> Option<&GroupDef> {
        self.groups.iter().find(|g| g.name == name && !g.archived)
    }

    /// A property group, archived or not, mutably.
    pub fn group_mut(&mut self, name: &str) -> Option<&mut GroupDef> {
        self.groups.iter_mut().find(|g| g.name == name)
    }

    /// Every live property group.
    pub fn groups(&self) -> impl Iterator<Item = &GroupDef> {
        self.groups.iter().filter(|g| !g.archived)
    }

    /// Adds a property group.
    pub fn add_group(&mut self, group: GroupDef) {
        self.groups.push(group);
    }

    /// The id of a live (not archived) property.
    pub fn id(&self, name: &str) -> Option<PropId> {
        self.by_name
            .get(name)
            .copied()
            .filter(|id| !self.defs[*id as usize].archived)
    }

    /// The id of a property, archived or not.
    pub fn id_any(&self, name: &str) -> Option<PropId> {
        self.by_name.get(name).copied()
    }

    /// The id of a property that must exist (a built-in the simulator itself relies on).
    pub fn builtin_id(&self, name: &str) -> PropId {
        // Built-ins are added by `for_kind` before anything can look them up; a miss is a bug in
        // the simulator, not bad input.
        self.by_name.get(name).copied().unwrap_or(u32::MAX)
    }

    /// A definition.
    pub fn def(&self, id: PropId) -> &PropertyDef {
        &self.defs[id as usize]
    }

    /// A definition, mutably.
    pub fn def_mut(&mut self, id: PropId) -> &mut PropertyDef {
        &mut self.defs[id as usize]
    }

    /// Every live definition with its id.
    pub fn iter(&self) -> impl Iterator<Item = (PropId, &PropertyDef)> {
        self.defs
            .iter()
            .enumerate()
            .filter(|(_, d)| !d.archived)
            .map(|(i, d)| (i as PropId, d))
    }

    /// Every archived definition with its id.
    pub fn iter_archived(&self) -> impl Iterator<Item = (PropId, &PropertyDef)> {
        self.defs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.archived)
            .map(|(i, d)| (i as PropId, d))
    }

    /// The properties list and get return when the request names none.
    pub fn default_read(kind: ObjectKind) -> &'static [&'static str] {
        match kind {
            ObjectKind::Contact => &[
                "createdate",
                "email",
                "firstname",
                "hs_object_id",
                "lastmodifieddate",
                "lastname",
            ],
            ObjectKind::Deal => &[
                "amount",
                "closedate",
                "createdate",
                "dealname",
                "dealstage",
                "hs_lastmodifieddate",
                "hs_object_id",
                "pipeline",
            ],
            ObjectKind::Company => &["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"],
        }
    }

    /// The properties every object response carries, whatever was requested.
    pub fn always_read(kind: ObjectKind) -> &'static [&'static str] {
        match kind {
            ObjectKind::Contact => &["createdate", "hs_object_id", "lastmodifieddate"],
            ObjectKind::Deal | ObjectKind::Company => &["createdate", "hs_lastmodifieddate", "hs_object_id"],
        }
    }

    /// The properties free-text search (`query`) looks in.
    pub fn text_searchable(kind: ObjectKind) -> &'static [&'static str] {
        match kind {
            ObjectKind::Contact => &[
                "firstname",
                "lastname",
                "email",
                "phone",
                "company",
                "hs_additional_emails",
            ],
            ObjectKind::Deal => &["dealname"],
            ObjectKind::Company => &["name", "domain", "website"],
        }
    }

    /// HubSpot's built-in properties for an object type. Owner ids and deal stages are filled in
    /// by the loader, which knows the owners and pipelines.
    pub fn for_kind(kind: ObjectKind) -> Schema {
        let mut s = Schema::default();
        for (i, (name, label)) in default_groups(kind).iter().enumerate() {
            s.add_group(GroupDef {
                name: (*name).to_owned(),
                label: (*label).to_owned(),
                display_order: i as i32,
                archived: false,
            });
        }
        let p = PropertyDef::builtin;
        use PropType::*;
        s.add(
            p("hs_object_id", "Record ID", Number, info_group(kind))
                .computed(Computed::ObjectId)
                .unique(),
        );
        s.add(p("createdate", "Create Date", Datetime, info_group(kind)));
        s.add(
            p(
                kind.modified_property(),
                "Last Modified Date",
                Datetime,
                info_group(kind),
            )
            .computed(Computed::LastModified),
        );
        s.add(p("hubspot_owner_id", owner_label(kind), Enumeration, info_group(kind)).field("select"));
        match kind {
            ObjectKind::Contact => {
                let g = "contactinformation";
                s.add(p("email", "Email", String, g).unique());
                for (name, label) in [
                    ("firstname", "First Name"),
                    ("lastname", "Last Name"),
                    ("company", "Company Name"),
                    ("country", "Country/Region"),
                    ("city", "City"),
                    ("phone", "Phone Number"),
                    ("jobtitle", "Job Title"),
                    ("website", "Website URL"),
                ] {
                    s.add(p(name, label, String, g));
                }
                s.add(
                    p("lifecyclestage", "Lifecycle Stage", Enumeration, g)
                        .field("radio")
                        .with_options(&LIFECYCLE_STAGES),
                );
                s.add(
                    p("hs_lead_status", "Lead Status", Enumeration, "sales_properties")
                        .field("radio")
                        .with_options(&LEAD_STATUSES),
                );
                let a = "analyticsinformation";
                s.add(
                    p("hs_analytics_source", "Original Traffic Source", Enumeration, a)
                        .field("select")
                        .with_options(&ANALYTICS_SOURCES)
                        .calculated(),
                );
                s.add(
                    p(
                        "hs_analytics_source_data_1",
                        "Original Traffic Source Drill-Down 1",
                        String,
                        a,
                    )
                    .calculated(),
                );
                s.add(
                    p(
                        "hs_analytics_source_data_2",
                        "Original Traffic Source Drill-Down 2",
                        String,
                        a,
                    )
                    .calculated(),
                );
                s.add(
                    p("hs_latest_source", "Latest Traffic Source", Enumeration, a)
                        .field("select")
                        .with_options(&ANALYTICS_SOURCES)
                        .calculated(),
                );
                s.add(
                    p(
                        "hs_latest_source_data_1",
                        "Latest Traffic Source Drill-Down 1",
                        String,
                        a,
                    )
                    .calculated(),
                );
                s.add(
                    p(
                        "hs_latest_source_data_2",
                        "Latest Traffic Source Drill-Down 2",
                        String,
                        a,
                    )
                    .calculated(),
                );
                s.add(
                    p("hs_merged_object_ids", "Merged Record IDs", Enumeration, g)
                        .field("checkbox")
                        .calculated(),
                );
                s.add(
                    p("hs_additional_emails", "Additional email addresses", Enumeration, g)
                        .field("checkbox")
                        .calculated(),
                );
                for (stage, label) in LIFECYCLE_STAGES {
                    s.add(
                        p(
                            &format!("hs_lifecyclestage_{stage}_date"),
                            &format!("Became a {label} Date"),
                            Datetime,
                            g,
                        )
                        .calculated(),
                    );
                }
                let c = "conversioninformation";
                s.add(p("first_conversion_event_name", "First Conversion", String, c).calculated());
                s.add(p("first_conversion_date", "First Conversion Date", Datetime, c).calculated());
                s.add(p("recent_conversion_event_name", "Recent Conversion", String, c).calculated());
                s.add(p("recent_conversion_date", "Recent Conversion Date", Datetime, c).calculated());
                s.add(p("num_conversion_events", "Number of Form Submissions", Number, c).calculated());
            }
            ObjectKind::Deal => {
                let g = "dealinformation";
                s.add(p("dealname", "Deal Name", String, g));
                s.add(p("pipeline", "Pipeline", Enumeration, g).field("select"));
                s.add(p("dealstage", "Deal Stage", Enumeration, g).field("radio"));
                s.add(p("amount", "Amount", Number, g));
                s.add(p("closedate", "Close Date", Datetime, g));
                s.add(p("closed_lost_reason", "Closed Lost Reason", String, g).field("textarea"));
                s.add(p("closed_won_reason", "Closed Won Reason", String, g).field("textarea"));
                s.add(p("description", "Deal Description", String, g).field("textarea"));
                s.add(
                    p("dealtype", "Deal Type", Enumeration, g)
                        .field("radio")
                        .with_options(&[
                            ("newbusiness", "New Business"),
                            ("existingbusiness", "Existing Business"),
                        ]),
                );
                s.add(p("hs_is_closed_won", "Is Closed Won", Bool, g).computed(Computed::IsClosedWon));
                s.add(p("hs_is_closed", "Is Deal Closed?", Bool, g).computed(Computed::IsClosed));
                s.add(
                    p("hs_deal_stage_probability", "Deal Stage Probability", Number, g)
                        .computed(Computed::StageProbability),
                );
            }
            ObjectKind::Company => {
                let g = "companyinformation";
                for (name, label) in [
                    ("name", "Company Name"),
                    ("domain", "Company Domain Name"),
                    ("website", "Website URL"),
                    ("city", "City"),
                    ("country", "Country/Region"),
                    ("industry", "Industry"),
                ] {
                    s.add(p(name, label, String, g));
                }
                s.add(p("numberofemployees", "Number of Employees", Number, g));
                s.add(
                    p("lifecyclestage", "Lifecycle Stage", Enumeration, g)
                        .field("radio")
                        .with_options(&LIFECYCLE_STAGES),
                );
            }
        }
        for (i, def) in s.defs.iter_mut().enumerate() {
            def.display_order = i as i32;
            def.boolean_options();
        }
        s
    }
}

impl PropertyDef {
    fn unique(mut self) -> Self {
        self.has_unique_value = true;
        self
    }

    /// Booleans carry their two options, as HubSpot lists them.
    fn boolean_options(&mut self) {
        if self.kind == PropType::Bool && self.options.is_empty() {
            self.set_options(&[("true", "Yes"), ("false", "No")]);
        }
    }
}

fn info_group(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Contact => "contactinformation",
        ObjectKind::Company => "companyinformation",
        ObjectKind::Deal => "dealinformation",
    }
}

fn owner_label(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Contact => "Contact owner",
        ObjectKind::Company => "Company owner",
        ObjectKind::Deal => "Deal owner",
    }
}

/// Why one property value was refused, in HubSpot's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct PropError {
    /// The property name.
    pub name: String,
    /// HubSpot's error code (`PROPERTY_DOESNT_EXIST`, `INVALID_OPTION`, ...).
    pub code: &'static str,
    /// The message.
    pub message: String,
}

impl PropError {
    /// A property that does not exist.
    pub fn missing(name: &str) -> PropError {
        PropError {
            name: name.to_owned(),
            code: "PROPERTY_DOESNT_EXIST",
            message: format!("Property \"{name}\" does not exist"),
        }
    }
}

/// Longest string value HubSpot stores.
pub const MAX_STRING_LEN: usize = 65_536;

/// Validates a written value against its definition and returns it normalised as HubSpot
/// stores it ("" clears a value and is valid for every type).
pub fn normalize(def: &PropertyDef, raw: &str) -> Result<String, PropError> {
    let err = |code: &'static str, message: String| {
        Err(PropError {
            name: def.name.clone(),
            code,
            message,
        })
    };
    if def.read_only_value {
        return err(
            "READ_ONLY_VALUE",
            format!("\"{}\" is a read only property; its value cannot be set.", def.name),
        );
    }
    if raw.is_empty() {
        return Ok(String::new());
    }
    match def.kind {
        PropType::String => {
            if raw.chars().count() > MAX_STRING_LEN {
                return err(
                    "INVALID_STRING_LENGTH",
                    format!("value for {} exceeds the {MAX_STRING_LEN} character limit", def.name),
                );
            }
            if def.name == "email" && !plausible_email(raw) {
                return err("INVALID_EMAIL", format!("Email address {raw} is invalid"));
            }
            Ok(raw.to_owned())
        }
        PropType::Number => {
            let trimmed = raw.trim();
            match trimmed.parse::<f64>() {
                Ok(n) if n.is_finite() && !trimmed.contains(['e', 'E']) || trimmed.parse::<i64>().is_ok() => {
                    Ok(trimmed.to_owned())
                }
                _ => err("INVALID_FLOAT", format!("{raw} was not a valid number.")),
            }
        }
        PropType::Bool => match raw.trim().to_ascii_lowercase().as_str() {
            "true" => Ok("true".to_owned()),
            "false" => Ok("false".to_owned()),
            _ => err(
                "INVALID_BOOLEAN",
                format!("{raw} was not a valid boolean (true or false)."),
            ),
        },
        PropType::Datetime => match super::timefmt::parse_instant(raw) {
            Some(ms) => Ok(super::timefmt::iso(ms)),
            None => err(
                "INVALID_DATETIME",
                format!("{raw} was not a valid long or an ISO 8601 datetime."),
            ),
        },
        PropType::Date => match super::timefmt::parse_instant(raw) {
            Some(ms) if ms.rem_euclid(86_400_000) == 0 => Ok(super::timefmt::date(ms)),
            Some(ms) => err(
                "INVALID_DATE",
                format!("{raw} is at {} UTC, not midnight!", &super::timefmt::iso(ms)[11..23]),
            ),
            None => err("INVALID_DATE", format!("{raw} was not a valid date.")),
        },
        PropType::Enumeration => {
            let values: Vec<&str> = if def.is_multi() {
                raw.split(';').filter(|v| !v.is_empty()).collect()
            } else {
                vec![raw]
            };
            for value in values {
                if !def.options.iter().any(|o| o.value == value) {
                    if def.name == "hubspot_owner_id" {
                        return err("INVALID_OWNER_ID", format!("{value} is not a valid owner id"));
                    }
                    let allowed: Vec<String> = def
                        .options
                        .iter()
                        .map(|o| format!("label: \"{}\"\nvalue: \"{}\"\n", o.label, o.value))
                        .collect();
                    return err(
                        "INVALID_OPTION",
                        format!("{value} was not one of the allowed options: [{}]", allowed.join(", ")),
                    );
                }
            }
            Ok(raw.to_owned())
        }
    }
}

/// HubSpot's email check is loose but rejects the obviously broken.
fn plausible_email(raw: &str) -> bool {
    let Some((local, domain)) = raw.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !raw.chars().any(|c| c.is_whitespace() || c == ',' || c == ';')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(s: &Schema, name: &str) -> PropertyDef {
        s.def(s.id(name).expect(name)).clone()
    }

    #[test]
    fn builtins_have_the_contract_properties() {
        let c = Schema::for_kind(ObjectKind::Contact);
        for name in [
            "email",
            "lifecyclestage",
            "hs_lead_status",
            "hs_analytics_source",
            "hs_merged_object_ids",
            "hs_lifecyclestage_customer_date",
        ] {
            assert!(c.id(name).is_some(), "{name}");
        }
        let d = Schema::for_kind(ObjectKind::Deal);
        assert!(d.id("hs_lastmodifieddate").is_some());
        assert!(d.id("lastmodifieddate").is_none(), "deals have no lastmodifieddate");
        assert_eq!(def(&d, "hs_is_closed_won").options.len(), 2);
    }

    #[test]
    fn values_are_validated_by_type() {
        let c = Schema::for_kind(ObjectKind::Contact);
        let d = Schema::for_kind(ObjectKind::Deal);
        assert_eq!(
            normalize(&def(&c, "lifecyclestage"), "customer").as_deref(),
            Ok("customer")
        );
        assert_eq!(
            normalize(&def(&c, "lifecyclestage"), "bogus").unwrap_err().code,
            "INVALID_OPTION"
        );
        assert_eq!(
            normalize(&def(&c, "lifecyclestage"), "").as_deref(),
            Ok(""),
            "clearing is allowed"
        );
        assert_eq!(
            normalize(&def(&c, "hs_object_id"), "5").unwrap_err().code,
            "READ_ONLY_VALUE"
        );
        assert_eq!(
            normalize(&def(&c, "email"), "not-an-email").unwrap_err().code,
            "INVALID_EMAIL"
        );
        assert_eq!(normalize(&def(&d, "amount"), "12,5").unwrap_err().code, "INVALID_FLOAT");
        assert_eq!(normalize(&def(&d, "amount"), " 1200.50 ").as_deref(), Ok("1200.50"));
        assert_eq!(
            normalize(&def(&d, "closedate"), "1706692500000").as_deref(),
            Ok("2024-01-31T09:15:00.000Z")
        );
        assert_eq!(
            normalize(&def(&d, "closedate"), "soon").unwrap_err().code,
            "INVALID_DATETIME"
        );
    }
}
