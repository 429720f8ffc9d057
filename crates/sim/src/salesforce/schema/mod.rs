//! The simulated org's metadata: which sObjects exist and which fields each has, with the
//! properties `describe` reports and that writes and SOQL enforce.
//!
//! State: an immutable [`Schema`] built once at start-up from the standard objects
//! ([`standard`]) and the scenario's custom fields ([`custom`]).

pub mod custom;
pub mod standard;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// FNV-1a: field names are short and trusted, and `column` is on every hot path (loading a
/// million rows looks fields up tens of millions of times), where SipHash dominated.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// A map from field names to columns.
type FieldMap = HashMap<String, usize, BuildHasherDefault<Fnv>>;

/// A field's data type, spelled as `describe` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// The record id.
    Id,
    /// A lookup to other records.
    Reference,
    /// Short text.
    String,
    /// Long text (not filterable or sortable).
    TextArea,
    /// An email address.
    Email,
    /// A phone number.
    Phone,
    /// A URL.
    Url,
    /// A picklist.
    Picklist,
    /// A picklist that also accepts free text.
    Combobox,
    /// A checkbox.
    Boolean,
    /// A number with decimals.
    Double,
    /// Money.
    Currency,
    /// A percentage.
    Percent,
    /// A whole number.
    Int,
    /// A calendar date.
    Date,
    /// A date and time.
    DateTime,
    /// History values: any type, rendered as text.
    AnyType,
}

impl FieldType {
    /// The name in `describe`.
    pub fn describe_name(self) -> &'static str {
        match self {
            FieldType::Id => "id",
            FieldType::Reference => "reference",
            FieldType::String => "string",
            FieldType::TextArea => "textarea",
            FieldType::Email => "email",
            FieldType::Phone => "phone",
            FieldType::Url => "url",
            FieldType::Picklist => "picklist",
            FieldType::Combobox => "combobox",
            FieldType::Boolean => "boolean",
            FieldType::Double => "double",
            FieldType::Currency => "currency",
            FieldType::Percent => "percent",
            FieldType::Int => "int",
            FieldType::Date => "date",
            FieldType::DateTime => "datetime",
            FieldType::AnyType => "anyType",
        }
    }

    /// The SOAP type in `describe`.
    pub fn soap_type(self) -> &'static str {
        match self {
            FieldType::Id | FieldType::Reference => "tns:ID",
            FieldType::Boolean => "xsd:boolean",
            FieldType::Double | FieldType::Currency | FieldType::Percent => "xsd:double",
            FieldType::Int => "xsd:int",
            FieldType::Date => "xsd:date",
            FieldType::DateTime => "xsd:dateTime",
            FieldType::AnyType => "xsd:anyType",
            _ => "xsd:string",
        }
    }

    /// True for the types whose values are text and compare case-insensitively in SOQL.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            FieldType::String
                | FieldType::TextArea
                | FieldType::Email
                | FieldType::Phone
                | FieldType::Url
                | FieldType::Picklist
                | FieldType::Combobox
                | FieldType::AnyType
        )
    }

    /// True for numeric types.
    pub fn is_number(self) -> bool {
        matches!(
            self,
            FieldType::Double | FieldType::Currency | FieldType::Percent | FieldType::Int
        )
    }

    /// True for ids and lookups.
    pub fn is_id(self) -> bool {
        matches!(self, FieldType::Id | FieldType::Reference)
    }

    /// The type name SOQL errors use (`must be of type dateTime`).
    pub fn soql_name(self) -> &'static str {
        match self {
            FieldType::Id | FieldType::Reference => "id",
            FieldType::Boolean => "boolean",
            FieldType::Double | FieldType::Currency | FieldType::Percent => "double",
            FieldType::Int => "integer",
            FieldType::Date => "date",
            FieldType::DateTime => "dateTime",
            _ => "string",
        }
    }
}

/// One field of an sObject.
#[derive(Debug, Clone)]
pub struct FieldDef {
    /// API name (`LastName`, `Unqualified_Reason__c`).
    pub name: String,
    /// Label, used in error messages (`Last Name: data value too large`).
    pub label: String,
    /// Data type.
    pub kind: FieldType,
    /// Maximum length of text values.
    pub length: u32,
    /// May be null.
    pub nillable: bool,
    /// May be set on insert.
    pub createable: bool,
    /// May be set on update.
    pub updateable: bool,
    /// Gets a value on insert when none is given.
    pub defaulted_on_create: bool,
    /// Picklist values, in order; the first is the default where the field is defaulted.
    pub picklist: Vec<String>,
    /// Only `picklist` values are accepted on writes.
    pub restricted: bool,
    /// Marked External ID (upserts may match on it).
    pub external_id: bool,
    /// Values must be unique (case-insensitively).
    pub unique: bool,
    /// For lookups: the objects the id may point to.
    pub reference_to: Vec<String>,
    /// A custom (`__c`) field.
    pub custom: bool,
    /// Computed by the platform (formula or roll-up).
    pub calculated: bool,
    /// Digits for numbers.
    pub precision: u32,
    /// Decimal places for numbers.
    pub scale: u32,
}

impl FieldDef {
    /// A plain nillable, createable, updateable field with the default length for its type.
    pub fn new(name: &str, label: &str, kind: FieldType) -> FieldDef {
        let length = match kind {
            FieldType::Id | FieldType::Reference => 18,
            FieldType::TextArea => 32_000,
            FieldType::Email | FieldType::Phone => 80,
            FieldType::String | FieldType::Url | FieldType::Picklist | FieldType::Combobox | FieldType::AnyType => 255,
            _ => 0,
        };
        let (precision, scale) = match kind {
            FieldType::Currency => (18, 2),
            FieldType::Double => (18, 2),
            FieldType::Percent => (3, 0),
            FieldType::Int => (9, 0),
            _ => (0, 0),
        };
        FieldDef {
            name: name.to_owned(),
            label: label.to_owned(),
            kind,
            length,
            nillable: true,
            createable: true,
            updateable: true,
            defaulted_on_create: false,
            picklist: Vec::new(),
            restricted: false,
            external_id: false,
            unique: false,
            reference_to: Vec::new(),
            custom: name.ends_with("__c"),
            calculated: false,
            precision,
            scale,
        }
    }

    /// Must have a value (and has none by default).
    pub fn required(mut self) -> Self {
        self.nillable = false;
        self
    }

    /// Set by the platform only.
    pub fn read_only(mut self) -> Self {
        self.createable = false;
        self.updateable = false;
        self
    }

    /// Settable on insert, fixed afterwards.
    pub fn create_only(mut self) -> Self {
        self.updateable = false;
        self
    }

    /// Gets a default on insert.
    pub fn defaulted(mut self) -> Self {
        self.defaulted_on_create = true;
        self
    }

    /// Computed by the platform.
    pub fn calculated(mut self) -> Self {
        self.calculated = true;
        self.read_only()
    }

    /// Maximum text length.
    pub fn max_len(mut self, length: u32) -> Self {
        self.length = length;
        self
    }

    /// Picklist values.
    pub fn values(mut self, values: &[&str], restricted: bool) -> Self {
        self.picklist = values.iter().map(|v| (*v).to_owned()).collect();
        self.restricted = restricted;
        self
    }

    /// Lookup targets.
    pub fn refs(mut self, objects: &[&str]) -> Self {
        self.reference_to = objects.iter().map(|o| (*o).to_owned()).collect();
        self
    }

    /// Required on insert: not nillable, createable, and not defaulted.
    pub fn required_on_create(&self) -> bool {
        !self.nillable && self.createable && !self.defaulted_on_create
    }

    /// SOQL may filter on it (long text may not).
    pub fn filterable(&self) -> bool {
        self.kind != FieldType::TextArea && self.kind != FieldType::AnyType
    }

    /// SOQL may order by it.
    pub fn sortable(&self) -> bool {
        self.filterable()
    }
}

/// Column positions of the system fields, resolved once per object.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemColumns {
    /// `Id` (always column 0).
    pub id: usize,
    /// `IsDeleted`, where the object has it.
    pub is_deleted: Option<usize>,
    /// `CreatedDate`.
    pub created_date: Option<usize>,
    /// `CreatedById`.
    pub created_by: Option<usize>,
    /// `LastModifiedDate`, where the object has it.
    pub last_modified_date: Option<usize>,
    /// `LastModifiedById`, where the object has it.
    pub last_modified_by: Option<usize>,
    /// `SystemModstamp`, where the object has it.
    pub system_modstamp: Option<usize>,
    /// `MasterRecordId`, on mergeable objects.
    pub master_record: Option<usize>,
    /// The date-time the table is indexed by: `SystemModstamp`, or `CreatedDate` on objects
    /// without one (history rows, which never change).
    pub time_index: Option<usize>,
}

/// One sObject type.
#[derive(Debug, Clone)]
pub struct ObjectSchema {
    /// API name (`Lead`).
    pub name: String,
    /// Label.
    pub label: String,
    /// Plural label.
    pub label_plural: String,
    /// Three-character id prefix.
    pub key_prefix: String,
    /// Records may be created through the API.
    pub createable: bool,
    /// Records may be updated through the API.
    pub updateable: bool,
    /// Records may be deleted through the API.
    pub deletable: bool,
    /// `getUpdated`/`getDeleted` are supported.
    pub replicateable: bool,
    /// Fields in describe order; `Id` first.
    pub fields: Vec<FieldDef>,
    /// Lower-cased name → column.
    by_name: FieldMap,
    /// Exact API name → column (the common case, looked up without allocating).
    by_exact: FieldMap,
    /// System field columns.
    pub sys: SystemColumns,
}

impl ObjectSchema {
    /// Builds an object from its fields (`Id` must come first).
    pub fn new(name: &str, label: &str, label_plural: &str, key_prefix: &str, fields: Vec<FieldDef>) -> ObjectSchema {
        let mut schema = ObjectSchema {
            name: name.to_owned(),
            label: label.to_owned(),
            label_plural: label_plural.to_owned(),
            key_prefix: key_prefix.to_owned(),
            createable: true,
            updateable: true,
            deletable: true,
            replicateable: true,
            fields,
            by_name: FieldMap::default(),
            by_exact: FieldMap::default(),
            sys: SystemColumns::default(),
        };
        schema.reindex();
        schema
    }

    /// Marks the object read-only through the API (history objects, users).
    pub fn read_only(mut self) -> Self {
        self.createable = false;
        self.updateable = false;
        self.deletable = false;
        self
    }

    /// Adds a field (custom fields, loaded from the scenario).
    pub fn push_field(&mut self, field: FieldDef) {
        self.fields.push(field);
        self.reindex();
    }

    fn reindex(&mut self) {
        self.by_name = self
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.to_ascii_lowercase(), i))
            .collect();
        self.by_exact = self
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.clone(), i))
            .collect();
        let col = |n: &str| self.by_name.get(&n.to_ascii_lowercase()).copied();
        let (system_modstamp, created_date) = (col("SystemModstamp"), col("CreatedDate"));
        self.sys = SystemColumns {
            id: 0,
            is_deleted: col("IsDeleted"),
            created_date: col("CreatedDate"),
            created_by: col("CreatedById"),
            last_modified_date: col("LastModifiedDate"),
            last_modified_by: col("LastModifiedById"),
            system_modstamp: col("SystemModstamp"),
            master_record: col("MasterRecordId"),
            time_index: system_modstamp.or(created_date),
        };
    }

    /// The column of a field, by case-insensitive name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.by_exact
            .get(name)
            .or_else(|| self.by_name.get(&name.to_ascii_lowercase()))
            .copied()
    }

    /// The field at a column.
    pub fn field(&self, column: usize) -> &FieldDef {
        &self.fields[column]
    }

    /// The field of a name, by case-insensitive name.
    pub fn field_named(&self, name: &str) -> Option<&FieldDef> {
        self.column(name).map(|c| &self.fields[c])
    }
}

/// Every sObject of the org.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    objects: Vec<Arc<ObjectSchema>>,
    by_name: HashMap<String, usize>,
    by_prefix: HashMap<String, usize>,
}

impl Schema {
    /// Builds the schema from object definitions.
    pub fn new(objects: Vec<ObjectSchema>) -> Schema {
        let objects: Vec<Arc<ObjectSchema>> = objects.into_iter().map(Arc::new).collect();
        let by_name = objects
            .iter()
            .enumerate()
            .map(|(i, o)| (o.name.to_ascii_lowercase(), i))
            .collect();
        let by_prefix = objects
            .iter()
            .enumerate()
            .map(|(i, o)| (o.key_prefix.clone(), i))
            .collect();
        Schema {
            objects,
            by_name,
            by_prefix,
        }
    }

    /// All objects, in a stable order.
    pub fn objects(&self) -> &[Arc<ObjectSchema>] {
        &self.objects
    }

    /// The index of an object, by case-insensitive name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.by_name.get(&name.to_ascii_lowercase()).copied()
    }

    /// An object by case-insensitive name.
    pub fn object(&self, name: &str) -> Option<&Arc<ObjectSchema>> {
        self.index_of(name).map(|i| &self.objects[i])
    }

    /// The index of the object an id belongs to, from its key prefix.
    pub fn index_of_prefix(&self, prefix: &str) -> Option<usize> {
        self.by_prefix.get(prefix).copied()
    }
}
