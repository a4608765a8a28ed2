#pragma once
// qbXML 13.0 request builders and response parsers for the lists qblink reads and writes.
// Builders emit elements in exact schema order; parsers are lenient about what QuickBooks adds
// (unknown elements, enum values missing from the XSD) and strict about what we rely on.
//
// Versions: we speak qbXML 5.0 through 13.0. 5.0 is the floor because paging a list needs the
// iterator attribute (OSR: IQBENiteratorType since 5.0) and IncludeRetElement came in 4.0 (OPS70
// "v4.0"); every other element we send (ParentRef, BillAddress/VendorAddress Addr1-2, City, State,
// PostalCode, Country, Phone, Email, ActiveStatus, FromModifiedDate) carries no version mark in
// OPS70, i.e. exists since 1.0. The 2008 capture (QuickBooks Pro 2006) reports exactly 5.0.
// 13.0 is the newest schema we validate against.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qblink::qbxml {

enum class ListKind { Customer, Vendor, Employee, OtherName };
std::string_view list_element(ListKind kind);  // "Customer", "Vendor", "Employee", "OtherName"

struct Version {
  int major = 13;
  int minor = 0;
  friend auto operator<=>(const Version&, const Version&) = default;
};
std::optional<Version> parse_version(std::string_view text);  // "13.0"; nullopt for "CA3.0", ""
std::string to_string(Version version);                       // "13.0"

Version minimum_supported_version();  // 5.0
Version maximum_supported_version();  // 13.0
// The version to declare in requests: the highest one QuickBooks lists in HostRet (the HCP
// response; pass {} when unknown) that is <= `reported` (sendRequestXML's qbXMLMajor/MinorVers)
// and within [minimum, maximum]. With an empty list, min(reported, maximum). nullopt when
// QuickBooks is older than our minimum: the caller must not send anything then.
std::optional<Version> choose_version(const std::vector<Version>& qbwc_supported, Version reported);

// Whether a list can be read in pages (iterator="Start"/"Continue") at this version: only
// Customer and Vendor, from 5.0. EmployeeQueryRq and OtherNameQueryRq have no iterator attribute
// in any schema (qbxmlops130.xsd, OPS70), so those lists are read whole (no MaxReturned either,
// which would silently cut them short).
bool can_page(ListKind kind, Version version);

enum class OnError { StopOnError, ContinueOnError };
enum class Iterator { None, Start, Continue };

// One <KindQueryRq>. Either by names, by ListIDs, or a filtered (paged) query.
// MessageSetBuilder::add throws std::invalid_argument for a query the schema cannot express: both
// names and ListIDs, an iterator on a by-name/by-ID query or on Employee/OtherName (their Rq has no
// iterator attribute), Continue without an iterator_id, an iterator below qbXML 5.0. The filter
// fields (max_returned, active_status_all, from_modified_date) apply to filtered queries only.
struct ListQuery {
  ListKind kind = ListKind::Customer;
  std::string request_id;               // "" = the builder numbers it (its position, from 1)
  std::vector<std::string> full_names;  // FullName list (VendorQuery takes FullName too)
  std::vector<std::string> list_ids;
  Iterator iterator = Iterator::None;  // filtered Customer/Vendor queries only (can_page)
  std::string iterator_id;             // with Iterator::Continue
  int max_returned = 0;                // 0 = absent
  bool active_status_all = true;       // ActiveStatus=All (QuickBooks' default is ActiveOnly)
  std::optional<std::string> from_modified_date;  // inclusive, DATETIMETYPE; "" = left out
  bool names_only = true;  // IncludeRetElement for the ListRecord fields (left out below 4.0)
};

// Values for CustomerAdd / VendorAdd. Empty strings are left out.
struct AddFields {
  std::string name;              // must already be legal (reconcile checks it)
  std::string parent_full_name;  // customers only: ParentRef/FullName for a job
  std::string company_name, first_name, last_name, phone, email;
  std::string addr1, addr2, city, state, postal_code, country;
};

// Adds always ask (IncludeRetElement) for just the ListRecord fields of the new record.
// add() throws std::invalid_argument for another kind, an empty name, or a vendor with a parent.
struct AddRequest {
  ListKind kind = ListKind::Customer;  // Customer or Vendor
  std::string request_id;              // "" = the builder numbers it
  AddFields fields;
};

// A value that was shortened to its schema length when building (logged as a warning).
// Lengths are in characters (Unicode code points), as XSD maxLength counts them.
struct Shortened {
  std::string request_id;
  std::string field;  // element path, e.g. "CompanyName", "BillAddress/City"
  std::size_t original_length = 0;
  std::size_t limit = 0;
};

// Text is written as UTF-8 (not &#N; references) with & < > escaped, and quotes in attributes.
// Characters XML 1.0 cannot carry (C0 controls other than tab/LF/CR) are dropped and invalid
// UTF-8 becomes U+FFFD, so the document is always well-formed. The layout (two-space indent, one
// element a line) matches shared/reference/samples/qbxml byte for byte.
class MessageSetBuilder {
 public:
  // Use choose_version(). Below 4.0 IncludeRetElement is left out (responses are then just
  // bigger); an iterator below 5.0 throws, since dropping it would change the query's meaning.
  MessageSetBuilder(Version version, OnError on_error);
  void add(const ListQuery& query);
  // Shortens over-long optional fields to their schema length (never the name) and reports it.
  void add(const AddRequest& request, std::vector<Shortened>* shortened = nullptr);
  bool empty() const;
  std::string finish() const;  // the whole document, with <?xml?> and <?qbxml version?> PIs

 private:
  std::string next_request_id(const std::string& wanted);

  Version version_;
  OnError on_error_;
  std::string body_;
  int count_ = 0;
};

struct ListRecord {
  ListKind kind = ListKind::Customer;
  std::string list_id;
  std::string name;
  std::string full_name;       // = name for vendors, employees and other names
  std::string parent_list_id;  // jobs only
  int sublevel = 0;
  bool is_active = true;
  std::string edit_sequence;
  std::string time_created;
  std::string time_modified;
  // Contact evidence for matching; BillAddress/VendorAddress/... give addr1 and postal_code.
  std::string company_name, first_name, last_name, phone, alt_phone, email, addr1, postal_code;
};

struct Status {
  int code = 0;
  std::string severity;  // "Info", "Warn", "Error"
  std::string message;
};

// One child of QBXMLMsgsRs, in document order. Any *Rs is kept with its status; records are
// read only for Customer/Vendor/Employee/OtherName Query and Add responses (is_list).
struct ResponseItem {
  std::string element;   // "CustomerQueryRs", "VendorAddRs", ...
  bool is_list = false;  // kind and is_add are meaningful only when true
  ListKind kind = ListKind::Customer;
  bool is_add = false;  // an *AddRs
  std::string request_id;
  Status status;
  std::string iterator_id;
  int iterator_remaining = -1;  // -1 = attribute absent
  std::vector<ListRecord> records;
};

struct ParsedResponse {
  bool ok = false;
  std::string error;  // with the byte offset when the XML is malformed
  std::vector<ResponseItem> items;
};
// Fails (ok=false) on malformed XML, a root other than QBXML/QBXMLMsgsRs, an Rs without a
// numeric statusCode or a statusSeverity, and malformed values we rely on (IsActive, Sublevel,
// iteratorRemainingCount). Unknown elements and attributes are ignored.
ParsedResponse parse_response(std::string_view xml);

// What the first sendRequestXML's strHCPResponse tells about QuickBooks and the open company.
struct HostInfo {
  bool ok = false;
  std::string error;
  std::string product_name;
  std::string country;
  std::vector<Version> supported_versions;  // "M.m" entries only; edition ones ("CA3.0") skipped
  std::string company_name;
  std::string file_id;  // the FileID DataExtRet under our OwnerID ("" if none)
};
// owner_id is compared case-insensitively, braces included. ok requires a HostRet with status 0;
// the CompanyQueryRs is optional.
HostInfo parse_hcp_response(std::string_view xml, std::string_view owner_id);

// XML character data with & < > escaped (UTF-8 untouched). For any XML we write by hand, such
// as the .qwc file.
std::string escape_text(std::string_view text);

// DATETIMETYPE helpers. QuickBooks' TimeModified carries a wrong offset during daylight saving,
// so the incremental window is computed on the local wall-clock part and overlapped.
// Accepts the XSD pattern (YYYY-M-D[Thh[:mm[:ss[±hh:mm]]]]); returns YYYY-MM-DDThh:mm:ss plus the
// offset text unchanged, or "" when the input is not such a date-time (the builder then leaves
// FromModifiedDate out, which only widens the query).
std::string datetime_minus_seconds(std::string_view qb_datetime, long seconds);

}  // namespace qblink::qbxml
