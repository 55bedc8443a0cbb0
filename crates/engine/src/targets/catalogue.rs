//! What each target stores: the app's person model paths, their wire names,
//! which are required and which values the enums accept. Read from the
//! vendors' documents in `shared/api-docs/`.

use super::config::{Mode, TargetKind};

/// How a model value is written on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldFormat {
    Text,
    Email,
    /// `YYYY-MM-DD`.
    IsoDate,
    /// `YYYY-MM-DDT00:00:00Z`, a date as the date-time at its UTC midnight
    /// (Caspen, whose document types the birth date `string<date-time>`).
    IsoDateTime,
    /// Unix epoch seconds at UTC midnight (Unite US).
    EpochDate,
    /// Digits and separators as typed; the server checks the length.
    Phone,
    /// A phone number in international form, `+` and digits (charity_crm).
    InternationalPhone,
    /// Letters and digits only, separators dropped (charity_crm's social
    /// security number: "as string without any separators").
    Unseparated,
    /// An ISO 639-1 language code, two letters in lower case (charity_crm).
    LanguageCode,
    /// One of [`FieldSpec::values`], matched loosely to an option's label or id.
    Enum,
    /// `true` or `false` from a yes/no question.
    Flag,
    /// A yes/no answer written as `accepted` or `rejected` (Caspen consent).
    Consent,
    /// A base64 PNG of a drawn signature.
    Image,
    /// An id chosen from options the API gave (a service type): the chosen
    /// option's id, never its label.
    OptionId,
}

/// One field a target stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    /// The app's model path, as a question's `field` says it.
    pub field: &'static str,
    /// The dotted path inside the record the target receives; a number is a
    /// list index (`phone_numbers.0.number`).
    pub wire: &'static str,
    pub required: bool,
    pub format: FieldFormat,
    pub values: &'static [&'static str],
    /// The English label the "About you" section uses when asking for it.
    pub label: &'static str,
}

const fn field(
    field: &'static str,
    wire: &'static str,
    format: FieldFormat,
    label: &'static str,
) -> FieldSpec {
    FieldSpec {
        field,
        wire,
        required: false,
        format,
        values: &[],
        label,
    }
}

const fn required(mut spec: FieldSpec) -> FieldSpec {
    spec.required = true;
    spec
}

const fn choice(
    field: &'static str,
    wire: &'static str,
    values: &'static [&'static str],
    label: &'static str,
) -> FieldSpec {
    FieldSpec {
        field,
        wire,
        required: false,
        format: FieldFormat::Enum,
        values,
        label,
    }
}

use FieldFormat::*;

const UNITE_US_GENDERS: &[&str] = &["male", "female", "undisclosed", "non-binary", "other"];
const UNITE_US_RACES: &[&str] = &[
    "american-indian-alaska-native",
    "asian",
    "black-african-american",
    "native-hawaiian-or-pacific-islander",
    "other-race",
    "undisclosed",
    "white",
];
const UNITE_US_ETHNICITIES: &[&str] = &[
    "hispanic-or-latino",
    "not-hispanic-or-latino",
    "undisclosed",
];
const UNITE_US_CITIZENSHIPS: &[&str] = &[
    "us-citizen",
    "us-national",
    "lawful-permanent-resident",
    "other",
    "undisclosed",
];
const UNITE_US_MARITAL_STATUSES: &[&str] = &[
    "divorced",
    "domestic_partner",
    "married-civil-union",
    "single/never-married",
    "separated",
    "undisclosed",
    "widowed",
];
const UNITE_US_TITLES: &[&str] = &["Mr.", "Miss", "Mrs.", "Ms.", "Dr."];
const UNITE_US_SUFFIXES: &[&str] = &["Jr.", "Sr.", "III", "IV", "V", "Esq.", "Ph.D"];
const UNITE_US_ADDRESS_TYPES: &[&str] = &["home", "mailing", "work", "unknown"];
const UNITE_US_PHONE_TYPES: &[&str] = &["mobile", "home", "work", "fax", "unknown"];
#[cfg(feature = "staff")]
const UNITE_US_COMMUNICATION_METHODS: &[&str] = &["phone_call", "sms", "email", "no_preference"];
#[cfg(feature = "staff")]
const UNITE_US_COMMUNICATION_TIMES: &[&str] = &["any_time", "morning", "afternoon", "evening"];

/// The Unite US widget's assistance request; wire paths are inside
/// `assistance_request`.
const UNITE_US_WIDGET: &[FieldSpec] = &[
    required(field(
        "request.service_type_id",
        "service_type_id",
        OptionId,
        "Service type",
    )),
    required(field(
        "request.description",
        "description",
        Text,
        "What do you need help with?",
    )),
    required(field(
        "person.first_name",
        "requestor.first_name",
        Text,
        "First name",
    )),
    // "assistance_request[requestor][middle_name_initial]" (Unite US,
    // Assistance Requests: Create).
    field(
        "person.middle_name",
        "requestor.middle_name_initial",
        Text,
        "Middle name",
    ),
    required(field(
        "person.last_name",
        "requestor.last_name",
        Text,
        "Last name",
    )),
    // "assistance_request[requestor][preferred_first_name]".
    field(
        "person.preferred_name",
        "requestor.preferred_first_name",
        Text,
        "Preferred name",
    ),
    choice("person.title", "requestor.title", UNITE_US_TITLES, "Title"),
    choice(
        "person.suffix",
        "requestor.suffix",
        UNITE_US_SUFFIXES,
        "Suffix",
    ),
    field(
        "person.date_of_birth",
        "requestor.date_of_birth",
        EpochDate,
        "Date of birth",
    ),
    choice(
        "person.gender",
        "requestor.gender",
        UNITE_US_GENDERS,
        "Gender",
    ),
    choice("person.race", "requestor.race", UNITE_US_RACES, "Race"),
    choice(
        "person.ethnicity",
        "requestor.ethnicity",
        UNITE_US_ETHNICITIES,
        "Ethnicity",
    ),
    choice(
        "person.citizenship",
        "requestor.citizenship",
        UNITE_US_CITIZENSHIPS,
        "Citizenship",
    ),
    choice(
        "person.marital_status",
        "requestor.marital_status",
        UNITE_US_MARITAL_STATUSES,
        "Marital status",
    ),
    required(field(
        "person.email",
        "requestor.email_address.email_address",
        Email,
        "Email address",
    )),
    required(field(
        "person.phones[0].number",
        "requestor.phone_number.phone_number",
        Phone,
        "Phone number",
    )),
    choice(
        "person.phones[0].type",
        "requestor.phone_number.phone_type",
        UNITE_US_PHONE_TYPES,
        "Phone type",
    ),
    required(field(
        "person.address.line_1",
        "requestor.address.line_1",
        Text,
        "Street address",
    )),
    field(
        "person.address.line_2",
        "requestor.address.line_2",
        Text,
        "Apartment, suite or unit",
    ),
    required(field(
        "person.address.city",
        "requestor.address.city",
        Text,
        "City",
    )),
    required(field(
        "person.address.state",
        "requestor.address.state",
        Text,
        "State",
    )),
    required(field(
        "person.address.postal_code",
        "requestor.address.postal_code",
        Text,
        "Postal code",
    )),
    required(field(
        "person.address.country",
        "requestor.address.country",
        Text,
        "Country",
    )),
    required(choice(
        "person.address.address_type",
        "requestor.address.address_type",
        UNITE_US_ADDRESS_TYPES,
        "Address type",
    )),
    // The requestor's schema has no preferred communication method or time
    // (only a contact's has): a form that asks them keeps the answers in
    // its form response.
    field(
        "consent.signature_image",
        "consent.signature_image",
        Image,
        "Signature",
    ),
];

/// A Unite US contact, as staff create it; wire paths are inside `contact`.
#[cfg(feature = "staff")]
const UNITE_US_CONTACT: &[FieldSpec] = &[
    required(field("person.first_name", "first_name", Text, "First name")),
    // "contact[middle_name_initial]" and "contact[preferred_first_name]"
    // (Unite US, Contacts: Create and Update).
    field(
        "person.middle_name",
        "middle_name_initial",
        Text,
        "Middle name",
    ),
    required(field("person.last_name", "last_name", Text, "Last name")),
    field(
        "person.preferred_name",
        "preferred_first_name",
        Text,
        "Preferred name",
    ),
    choice("person.title", "title", UNITE_US_TITLES, "Title"),
    choice("person.suffix", "suffix", UNITE_US_SUFFIXES, "Suffix"),
    field(
        "person.date_of_birth",
        "date_of_birth",
        EpochDate,
        "Date of birth",
    ),
    choice("person.gender", "gender", UNITE_US_GENDERS, "Gender"),
    choice("person.race", "race", UNITE_US_RACES, "Race"),
    choice(
        "person.ethnicity",
        "ethnicity",
        UNITE_US_ETHNICITIES,
        "Ethnicity",
    ),
    choice(
        "person.citizenship",
        "citizenship",
        UNITE_US_CITIZENSHIPS,
        "Citizenship",
    ),
    choice(
        "person.marital_status",
        "marital_status",
        UNITE_US_MARITAL_STATUSES,
        "Marital status",
    ),
    // The document's own scalar (`contact[email_address]`, "Contact's
    // primary email address"), rather than an item of `email_addresses`,
    // whose items the document types only as strings.
    field("person.email", "email_address", Email, "Email address"),
    field(
        "person.phones[0].number",
        "phone_numbers.0.phone_number",
        Phone,
        "Phone number",
    ),
    choice(
        "person.phones[0].type",
        "phone_numbers.0.phone_type",
        UNITE_US_PHONE_TYPES,
        "Phone type",
    ),
    field(
        "person.address.line_1",
        "addresses.0.line_1",
        Text,
        "Street address",
    ),
    field(
        "person.address.line_2",
        "addresses.0.line_2",
        Text,
        "Apartment, suite or unit",
    ),
    field("person.address.city", "addresses.0.city", Text, "City"),
    field("person.address.state", "addresses.0.state", Text, "State"),
    field(
        "person.address.postal_code",
        "addresses.0.postal_code",
        Text,
        "Postal code",
    ),
    field(
        "person.address.country",
        "addresses.0.country",
        Text,
        "Country",
    ),
    choice(
        "person.address.address_type",
        "addresses.0.address_type",
        UNITE_US_ADDRESS_TYPES,
        "Address type",
    ),
    choice(
        "person.preferred_communication_method",
        "preferred_communication_method",
        UNITE_US_COMMUNICATION_METHODS,
        "How should we contact them?",
    ),
    // "contact[preferred_communication_time_of_day]".
    choice(
        "person.preferred_communication_time_of_day",
        "preferred_communication_time_of_day",
        UNITE_US_COMMUNICATION_TIMES,
        "When should we contact them?",
    ),
];

/// A Casebook person; wire paths are inside `data.attributes`.
const CASEBOOK: &[FieldSpec] = &[
    required(field("person.first_name", "first_name", Text, "First name")),
    field("person.middle_name", "middle_name", Text, "Middle name"),
    required(field("person.last_name", "last_name", Text, "Last name")),
    field("person.suffix", "suffix", Text, "Suffix"),
    field(
        "person.preferred_name",
        "preferred_name",
        Text,
        "Preferred name",
    ),
    field(
        "person.date_of_birth",
        "date_of_birth",
        IsoDate,
        "Date of birth",
    ),
    field("person.email", "email", Email, "Email address"),
    field(
        "person.phones[0].number",
        "phone_number",
        Phone,
        "Phone number",
    ),
    field("person.gender", "gender", Text, "Gender"),
    field("person.sex", "sex", Text, "Sex"),
    field("person.race", "race", Text, "Race"),
    choice(
        "person.hispanic_or_latino",
        "hispanic_or_latino",
        &["yes", "no", "unable to determine", "unknown"],
        "Hispanic or Latino?",
    ),
    field(
        "person.primary_language",
        "primary_language",
        Text,
        "Primary language",
    ),
];

/// A persons_v1 person; wire paths are inside `data`. Everything else is
/// folded into `information`.
const PERSONS_V1: &[FieldSpec] = &[
    required(field("person.first_name", "firstName", Text, "First name")),
    required(field("person.last_name", "lastName", Text, "Last name")),
    field("person.user_name", "userName", Text, "User name"),
];

/// A charity_crm person, as the create body nests it.
const CHARITY_CRM: &[FieldSpec] = &[
    field("person.initials", "name.initials", Text, "Initials"),
    field("person.first_name", "name.firstName", Text, "First name"),
    field(
        "person.last_name_prefix",
        "name.lastNamePrefix",
        Text,
        "Last name prefix",
    ),
    required(field(
        "person.last_name",
        "name.lastName",
        Text,
        "Last name",
    )),
    field(
        "person.date_of_birth",
        "dateOfBirth",
        IsoDate,
        "Date of birth",
    ),
    choice(
        "person.gender",
        "gender",
        &["male", "female", "other", "unknown"],
        "Gender",
    ),
    field(
        "person.phones[0].number",
        "phoneNumber",
        InternationalPhone,
        "Phone number",
    ),
    field(
        "person.mobile_phone",
        "mobilePhoneNumber",
        InternationalPhone,
        "Mobile phone number",
    ),
    field("person.email", "email", Email, "Email address"),
    field(
        "person.primary_language",
        "language",
        LanguageCode,
        "Language (two-letter code)",
    ),
    field("person.iban", "iban", Text, "IBAN"),
    field(
        "person.social_security_number",
        "socialSecurityNumber",
        Unseparated,
        "Social security number",
    ),
    field("person.address.line_1", "address.street", Text, "Street"),
    field(
        "person.address.house_number",
        "address.houseNumber",
        Text,
        "House number",
    ),
    field(
        "person.address.postal_code",
        "address.zipCode",
        Text,
        "Postal code",
    ),
    field("person.address.city", "address.city", Text, "City"),
    field(
        "person.address.country",
        "address.country",
        Text,
        "Country (two-letter code)",
    ),
    field("person.opt_ins.email", "optIns.email", Flag, "Email me"),
    field("person.opt_ins.mail", "optIns.mail", Flag, "Send me post"),
    field("person.opt_ins.phone", "optIns.phone", Flag, "Phone me"),
    field("person.opt_ins.sms", "optIns.sms", Flag, "Text me"),
];

/// A Caspen client. Answers without a field are folded into `notes`.
const CASPEN: &[FieldSpec] = &[
    required(field("person.first_name", "first_name", Text, "First name")),
    required(field("person.last_name", "last_name", Text, "Last name")),
    field("person.title", "title", Text, "Title"),
    field(
        "person.preferred_name",
        "preferred_name",
        Text,
        "Preferred name",
    ),
    field(
        "person.date_of_birth",
        "date_of_birth",
        IsoDateTime,
        "Date of birth",
    ),
    field("person.email", "email", Email, "Email address"),
    field("person.sex", "sex", Text, "Sex"),
    field("person.gender", "gender_identity", Text, "Gender identity"),
    field("person.pronouns", "pronouns", Text, "Pronouns"),
    // "phone_number: The client's primary phone number" (Caspen, Create a
    // client); `phone_numbers` holds additional ones. The primary number has
    // no type, so a form that asks one keeps it in the notes.
    field(
        "person.phones[0].number",
        "phone_number",
        Phone,
        "Phone number",
    ),
    field(
        "person.address.line_1",
        "address.line1",
        Text,
        "Street address",
    ),
    field(
        "person.address.line_2",
        "address.line2",
        Text,
        "Apartment, suite or unit",
    ),
    field("person.address.city", "address.city", Text, "City"),
    field(
        "person.address.state",
        "address.state",
        Text,
        "State or region",
    ),
    field(
        "person.address.postal_code",
        "address.postal_code",
        Text,
        "Postal code",
    ),
    field(
        "person.address.country",
        "address.country_code",
        Text,
        "Country (two-letter code)",
    ),
    field(
        "person.emergency_contact.name",
        "emergency_contact_name",
        Text,
        "Emergency contact name",
    ),
    field(
        "person.emergency_contact.phone",
        "emergency_contact_phone",
        Phone,
        "Emergency contact phone",
    ),
    field(
        "consent.privacy_policy",
        "privacy_policy_consent",
        Consent,
        "I accept the privacy policy",
    ),
];

/// The fields `target` stores in `mode`. Unite US widgets send an
/// assistance request; Unite US staff create contacts.
pub fn catalogue(target: TargetKind, mode: Mode) -> &'static [FieldSpec] {
    match (target, mode) {
        (TargetKind::UniteUs, Mode::Widget) => UNITE_US_WIDGET,
        #[cfg(feature = "staff")]
        (TargetKind::UniteUs, Mode::Staff) => UNITE_US_CONTACT,
        // A build without staff intake (the public widget's) reads a staff
        // configuration only to refuse it: its fields are checked against
        // the requestor's, which name the same person fields.
        #[cfg(not(feature = "staff"))]
        (TargetKind::UniteUs, Mode::Staff) => UNITE_US_WIDGET,
        (TargetKind::Casebook, _) => CASEBOOK,
        (TargetKind::PersonsV1, _) => PERSONS_V1,
        (TargetKind::CharityCrm, _) => CHARITY_CRM,
        (TargetKind::Caspen, _) => CASPEN,
    }
}

/// The browser's autofill token (HTML's `autocomplete`) for a question
/// bound to a person field, so a browser can fill in a person's own details
/// and assistive technology knows what each field is (WCAG 1.3.5). `None`
/// for fields with no token (race, citizenship and the like).
pub fn autofill_token(field: &str) -> Option<&'static str> {
    Some(match field.strip_prefix("person.")? {
        "first_name" => "given-name",
        "middle_name" => "additional-name",
        "last_name" => "family-name",
        "preferred_name" => "nickname",
        "title" => "honorific-prefix",
        "suffix" => "honorific-suffix",
        "date_of_birth" => "bday",
        "gender" => "sex",
        "email" => "email",
        "phones[0].number" => "tel",
        "address.line_1" => "address-line1",
        "address.line_2" => "address-line2",
        "address.city" => "address-level2",
        "address.state" => "address-level1",
        "address.postal_code" => "postal-code",
        // The catalogues take the country as text, as a person names it.
        "address.country" => "country-name",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_fields_name_their_autofill_token() {
        for (field, token) in [
            ("person.first_name", Some("given-name")),
            ("person.last_name", Some("family-name")),
            ("person.date_of_birth", Some("bday")),
            ("person.phones[0].number", Some("tel")),
            ("person.address.line_1", Some("address-line1")),
            ("person.address.city", Some("address-level2")),
            ("person.address.state", Some("address-level1")),
            ("person.address.postal_code", Some("postal-code")),
            ("person.race", None),
            ("request.description", None),
            ("first_name", None),
        ] {
            assert_eq!(autofill_token(field), token, "{field}");
        }
        // Every token named is one HTML defines.
        const HTML_TOKENS: [&str; 16] = [
            "given-name",
            "additional-name",
            "family-name",
            "nickname",
            "honorific-prefix",
            "honorific-suffix",
            "bday",
            "sex",
            "email",
            "tel",
            "address-line1",
            "address-line2",
            "address-level2",
            "address-level1",
            "postal-code",
            "country-name",
        ];
        for target in TargetKind::ALL {
            for spec in catalogue(target, Mode::Widget) {
                if let Some(token) = autofill_token(spec.field) {
                    assert!(HTML_TOKENS.contains(&token), "{}: {token}", spec.field);
                }
            }
        }
    }

    #[test]
    fn every_catalogue_names_each_field_and_wire_path_once() {
        for target in TargetKind::ALL {
            for mode in [Mode::Widget, Mode::Staff] {
                let specs = catalogue(target, mode);
                for (position, spec) in specs.iter().enumerate() {
                    assert!(
                        specs[position + 1..]
                            .iter()
                            .all(|other| other.field != spec.field && other.wire != spec.wire),
                        "{target} repeats {}",
                        spec.field
                    );
                    assert_eq!(
                        spec.format == FieldFormat::Enum,
                        !spec.values.is_empty(),
                        "{target} {}",
                        spec.field
                    );
                }
            }
        }
    }
}
