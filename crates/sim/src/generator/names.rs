//! Who people are: names, companies, countries, job titles and email addresses.
//!
//! Holds no state: static word lists and pure functions of an index or a draw. Names include the
//! awkward but valid cases a real CRM holds (apostrophes, accents, particles, hyphens), so quoting
//! and normalisation get exercised by ordinary data, not only by hostile records.

use super::sample::Draw;

/// Given names, international, some with accents.
const FIRST_NAMES: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Christopher",
    "Lisa",
    "Daniel",
    "Nancy",
    "Matthew",
    "Betty",
    "Anthony",
    "Sandra",
    "Mark",
    "Ashley",
    "Steven",
    "Emily",
    "Andrew",
    "Michelle",
    "Joshua",
    "Amanda",
    "Kevin",
    "Melissa",
    "Brian",
    "Stephanie",
    "Oliver",
    "Amelia",
    "Harry",
    "Isla",
    "George",
    "Ava",
    "Noah",
    "Mia",
    "Jack",
    "Grace",
    "Lukas",
    "Anna",
    "Jonas",
    "Lena",
    "Felix",
    "Hannah",
    "Maximilian",
    "Lea",
    "Paul",
    "Sophie",
    "Jürgen",
    "Jörg",
    "Björn",
    "Zoë",
    "Chloé",
    "Renée",
    "José",
    "María",
    "Łukasz",
    "Agnieszka",
    "Lucas",
    "Léa",
    "Hugo",
    "Camille",
    "Louis",
    "Manon",
    "Gabriel",
    "Inès",
    "Raphaël",
    "Océane",
    "Daan",
    "Emma",
    "Sem",
    "Julia",
    "Lars",
    "Ingrid",
    "Erik",
    "Astrid",
    "Nils",
    "Freja",
    "Alejandro",
    "Lucía",
    "Pablo",
    "Carmen",
    "Marco",
    "Giulia",
    "Luca",
    "Chiara",
    "Matteo",
    "Francesca",
    "Arjun",
    "Priya",
    "Rahul",
    "Ananya",
    "Vikram",
    "Deepika",
    "Rohan",
    "Kavya",
    "Aditya",
    "Sneha",
    "Hiroshi",
    "Yuki",
    "Kenji",
    "Aiko",
    "Takeshi",
    "Sakura",
    "João",
    "Ana",
    "Pedro",
    "Beatriz",
    "Siobhán",
    "Seán",
    "Niamh",
    "Ciarán",
    "Aoife",
    "Liam",
    "Olivia",
    "Ethan",
    "Chloe",
    "Mason",
    "Wei",
    "Mei",
    "Jun",
    "Li",
    "Min-jun",
    "Seo-yeon",
    "Fatima",
    "Omar",
    "Aisha",
    "Youssef",
];

/// Family names, international, with particles, apostrophes and hyphens.
const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "O'Brien",
    "O'Connor",
    "D'Angelo",
    "McDonald",
    "MacLeod",
    "Smith-Jones",
    "Fitzgerald",
    "Murphy",
    "Kelly",
    "Walsh",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Lefèvre",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "Johansson",
    "Andersson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Ødegaard",
    "Sørensen",
    "García",
    "Fernández",
    "González",
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Sharma",
    "Patel",
    "Singh",
    "Kumar",
    "Gupta",
    "Reddy",
    "Iyer",
    "Nair",
    "Mehta",
    "Joshi",
    "Sato",
    "Suzuki",
    "Takahashi",
    "Tanaka",
    "Watanabe",
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Costa",
    "Kowalski",
    "Nowak",
    "Wiśniewski",
    "Nguyen",
    "Tran",
    "Kim",
    "Park",
    "Chen",
    "Wang",
    "Zhang",
];

/// Syllables that make up invented company names.
const COMPANY_HEADS: &[&str] = &[
    "Blue", "North", "Bright", "Silver", "Iron", "Red", "Green", "Stone", "Clear", "Swift", "Oak", "Pine", "River",
    "Summit", "Harbor", "Falcon", "Cedar", "Nova", "Polar", "Amber", "Crest", "Vertex", "Echo", "Lumen", "Atlas",
    "Orbit", "Quartz", "Birch", "Hart", "Kestrel",
];

/// Second halves of invented company names.
const COMPANY_TAILS: &[&str] = &[
    "wave", "field", "gate", "point", "stack", "line", "bridge", "forge", "path", "works", "peak", "view", "spring",
    "core", "leaf", "wind", "rock", "light", "ridge", "shore", "mark", "well", "ford", "haven", "loop", "grid", "port",
    "hub", "scale", "sight",
];

/// Industries, both for names and for the CRM's `Industry`.
pub(crate) const INDUSTRIES: &[&str] = &[
    "Software",
    "Logistics",
    "Health",
    "Analytics",
    "Manufacturing",
    "Retail",
    "Finance",
    "Energy",
    "Media",
    "Robotics",
    "Foods",
    "Travel",
    "Security",
    "Telecom",
    "Education",
    "Consulting",
    "Biotech",
    "Insurance",
    "Real Estate",
    "Automotive",
];

/// Endings that multiply the pool of company names.
const COMPANY_FORMS: &[&str] = &["", " Group", " Labs", " Systems", " Partners", " & Co"];

/// A country: how HubSpot shows it, the TLD of its companies, the sales territory covering it
/// (`None`: nobody sells there), and how often people come from it.
pub(crate) struct Country {
    /// Display name.
    pub name: &'static str,
    /// Messy spellings people type into forms.
    pub variants: &'static [&'static str],
    /// Company email domain ending.
    pub tld: &'static str,
    /// Sales territory.
    pub territory: Option<Territory>,
    /// Relative weight.
    pub weight: f64,
}

/// A sales territory; each rep covers one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Territory {
    /// US and Canada (working hours 13:00-22:00 UTC).
    NorthAmerica,
    /// Europe (working hours 07:00-16:00 UTC).
    Emea,
}

impl Territory {
    /// The UTC hour the territory's working day starts.
    pub(crate) fn open_hour(self) -> u32 {
        match self {
            Territory::NorthAmerica => 13,
            Territory::Emea => 7,
        }
    }
}

/// The countries people come from.
pub(crate) const COUNTRIES: &[Country] = &[
    Country {
        name: "United States",
        variants: &["USA", "US", "U.S."],
        tld: "com",
        territory: Some(Territory::NorthAmerica),
        weight: 34.0,
    },
    Country {
        name: "Canada",
        variants: &["CA"],
        tld: "ca",
        territory: Some(Territory::NorthAmerica),
        weight: 5.0,
    },
    Country {
        name: "United Kingdom",
        variants: &["UK", "Great Britain", "England"],
        tld: "co.uk",
        territory: Some(Territory::Emea),
        weight: 12.0,
    },
    Country {
        name: "Germany",
        variants: &["Deutschland", "DE"],
        tld: "de",
        territory: Some(Territory::Emea),
        weight: 11.0,
    },
    Country {
        name: "France",
        variants: &["FR"],
        tld: "fr",
        territory: Some(Territory::Emea),
        weight: 7.0,
    },
    Country {
        name: "Netherlands",
        variants: &["The Netherlands", "Holland", "NL"],
        tld: "nl",
        territory: Some(Territory::Emea),
        weight: 5.0,
    },
    Country {
        name: "Sweden",
        variants: &["Sverige", "SE"],
        tld: "se",
        territory: Some(Territory::Emea),
        weight: 4.0,
    },
    Country {
        name: "Spain",
        variants: &["España"],
        tld: "es",
        territory: Some(Territory::Emea),
        weight: 3.0,
    },
    Country {
        name: "Italy",
        variants: &["Italia"],
        tld: "it",
        territory: Some(Territory::Emea),
        weight: 3.0,
    },
    Country {
        name: "Ireland",
        variants: &["IE"],
        tld: "ie",
        territory: Some(Territory::Emea),
        weight: 2.0,
    },
    Country {
        name: "Australia",
        variants: &["AU"],
        tld: "com.au",
        territory: None,
        weight: 3.0,
    },
    Country {
        name: "India",
        variants: &["IN"],
        tld: "in",
        territory: None,
        weight: 3.0,
    },
    Country {
        name: "Brazil",
        variants: &["Brasil"],
        tld: "com.br",
        territory: None,
        weight: 2.0,
    },
    Country {
        name: "Japan",
        variants: &["JP"],
        tld: "co.jp",
        territory: None,
        weight: 1.0,
    },
];

/// How well a person fits the ideal customer profile; it drives qualification and win rates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fit {
    /// Decision maker or operator at a company that buys.
    Good,
    /// Plausible but not the buyer.
    Ok,
    /// Will be disqualified if sales looks at them.
    Poor(PoorFit),
}

/// Why a poor fit is poor; each maps to a disqualification reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PoorFit {
    /// A student doing research.
    Student,
    /// Works for a competitor.
    Competitor,
    /// Wrong role.
    WrongPersona,
    /// Company too small to pay.
    NoBudget,
    /// Fake or unusable contact data.
    BadData,
}

/// Job titles by fit.
pub(crate) fn title(fit: Fit, d: &mut Draw) -> &'static str {
    const GOOD: &[&str] = &[
        "VP Marketing",
        "Head of Revenue Operations",
        "Marketing Operations Manager",
        "Director of Demand Generation",
        "Chief Revenue Officer",
        "Sales Operations Lead",
        "CMO",
        "Head of Growth",
        "RevOps Manager",
        "VP Sales",
    ];
    const OK: &[&str] = &[
        "Marketing Manager",
        "Growth Marketer",
        "Account Executive",
        "Content Marketing Manager",
        "Product Marketing Manager",
        "Business Analyst",
        "Customer Success Manager",
        "Marketing Specialist",
        "Sales Manager",
        "Founder",
    ];
    match fit {
        Fit::Good => d.pick(GOOD),
        Fit::Ok => d.pick(OK),
        Fit::Poor(PoorFit::Student) => d.pick(&["Student", "MBA Student", "Graduate Student"]),
        Fit::Poor(PoorFit::Competitor) => d.pick(&["Product Manager", "Solutions Engineer", "Competitive Analyst"]),
        Fit::Poor(PoorFit::WrongPersona) => {
            d.pick(&["Office Manager", "Software Engineer", "Intern", "Recruiter", "Designer"])
        }
        Fit::Poor(PoorFit::NoBudget) => d.pick(&["Freelancer", "Owner", "Consultant"]),
        Fit::Poor(PoorFit::BadData) => d.pick(&["asdf", "-", "x", "test"]),
    }
}

/// A given name.
pub(crate) fn first_name(d: &mut Draw) -> &'static str {
    d.pick(FIRST_NAMES)
}

/// A family name.
pub(crate) fn last_name(d: &mut Draw) -> &'static str {
    d.pick(LAST_NAMES)
}

/// The company with this index: a pure function, so colleagues share name, country and domain.
pub(crate) fn company_name(index: u64) -> String {
    let h = COMPANY_HEADS.len() as u64;
    let t = COMPANY_TAILS.len() as u64;
    let i = INDUSTRIES.len() as u64;
    let head = COMPANY_HEADS[(index % h) as usize];
    let tail = COMPANY_TAILS[((index / h) % t) as usize];
    let industry = INDUSTRIES[((index / (h * t)) % i) as usize];
    let form = COMPANY_FORMS[((index / (h * t * i)) % COMPANY_FORMS.len() as u64) as usize];
    format!("{head}{tail} {industry}{form}")
}

/// The industry of the company with this index.
pub(crate) fn company_industry(index: u64) -> &'static str {
    let h = COMPANY_HEADS.len() as u64;
    let t = COMPANY_TAILS.len() as u64;
    INDUSTRIES[((index / (h * t)) % INDUSTRIES.len() as u64) as usize]
}

/// The country of the company with this index (a hash of the index, weighted like [`COUNTRIES`]).
pub(crate) fn company_country(index: u64, seed: u64) -> &'static Country {
    let x = splitmix(index ^ seed.rotate_left(17));
    let total: f64 = COUNTRIES.iter().map(|c| c.weight).sum();
    let mut at = (x >> 11) as f64 / (1u64 << 53) as f64 * total;
    for c in COUNTRIES {
        if at < c.weight {
            return c;
        }
        at -= c.weight;
    }
    &COUNTRIES[0]
}

/// The company's email domain: its name made ASCII, with the country's TLD.
pub(crate) fn company_domain(name: &str, country: &Country) -> String {
    let mut slug = String::with_capacity(name.len() + 8);
    let mut dash = false;
    for c in name.chars() {
        let lower = ascii_fold(c);
        if lower.is_empty() {
            if !slug.is_empty() && !dash {
                slug.push('-');
                dash = true;
            }
        } else {
            slug.push_str(lower);
            dash = false;
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug.push('.');
    slug.push_str(country.tld);
    slug
}

/// Free webmail domains: students and the careless use them.
pub(crate) const PERSONAL_DOMAINS: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "hotmail.co.uk",
    "gmx.de",
    "web.de",
    "icloud.com",
    "proton.me",
];

/// The local part of an email from a person's names, in one of the common corporate patterns.
pub(crate) fn email_local(first: &str, last: &str, d: &mut Draw) -> String {
    let f = fold_word(first);
    let l = fold_word(last);
    let initial = f.chars().next().map(String::from).unwrap_or_default();
    match d.weighted(&[50.0, 20.0, 12.0, 10.0, 8.0]) {
        0 => format!("{f}.{l}"),
        1 => format!("{initial}{l}"),
        2 => f,
        3 => format!("{f}_{l}"),
        _ => format!("{l}.{f}"),
    }
}

/// A word lower-cased and folded to ASCII letters and digits (`O'Brien` → `obrien`, `Zoë` → `zoe`).
pub(crate) fn fold_word(word: &str) -> String {
    word.chars().map(ascii_fold).collect()
}

/// One character folded to lower-case ASCII; separators and punctuation become empty.
fn ascii_fold(c: char) -> &'static str {
    const LOWER: [&str; 26] = [
        "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v",
        "w", "x", "y", "z",
    ];
    const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    if c.is_ascii_alphabetic() {
        return LOWER[(c.to_ascii_lowercase() as u8 - b'a') as usize];
    }
    if c.is_ascii_digit() {
        return DIGITS[(c as u8 - b'0') as usize];
    }
    match c {
        'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' | 'À' | 'Á' | 'Â' | 'Å' => "a",
        'ä' | 'Ä' | 'æ' | 'Æ' => "ae",
        'ç' | 'ć' | 'č' | 'Ç' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'ę' | 'È' | 'É' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Í' => "i",
        'ł' | 'Ł' => "l",
        'ñ' | 'ń' | 'Ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'Ó' => "o",
        'ö' | 'Ö' | 'ø' | 'Ø' => "oe",
        'ś' | 'š' | 'ș' | 'Ś' => "s",
        'ß' => "ss",
        'ù' | 'ú' | 'û' | 'Ú' => "u",
        'ü' | 'Ü' => "ue",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => "",
    }
}

/// SplitMix64: a cheap, well-mixed hash of an index, for choices that must not consume the RNG.
pub(crate) fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_makes_names_email_safe() {
        assert_eq!(fold_word("O'Brien"), "obrien");
        assert_eq!(fold_word("Zoë"), "zoe");
        assert_eq!(fold_word("Müller"), "mueller");
        assert_eq!(fold_word("van den Berg"), "vandenberg");
        assert_eq!(fold_word("Łukasz"), "lukasz");
    }

    #[test]
    fn company_names_are_distinct_over_a_large_pool() {
        let names: std::collections::HashSet<String> = (0..100_000).map(company_name).collect();
        assert_eq!(names.len(), 100_000);
        let germany = COUNTRIES.iter().find(|c| c.tld == "de").unwrap();
        assert_eq!(
            company_domain("Bluewave Real Estate & Co", germany),
            "bluewave-real-estate-co.de"
        );
    }
}
