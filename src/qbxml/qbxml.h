#pragma once
// qbXML 13.0 request builders and response parsers for the lists qblink reads and writes.
// Builders emit elements in exact schema order; parsers are lenient about what QuickBooks adds
// (unknown elements, enum values missing from the XSD) and strict about what we rely on.
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

enum class OnError { StopOnError, ContinueOnError };
enum class Iterator { None, Start, Continue };

// One <KindQueryRq>. Either by names, by ListIDs, or a filtered (paged) query.
struct ListQuery {
  ListKind kind = ListKind::Customer;
  std::string request_id;
  std::vector<std::string> full_names;      // FullName list (VendorQuery takes FullName too)
  std::vector<std::string> list_ids;
  Iterator iterator = Iterator::None;       // filtered queries only
  std::string iterator_id;                  // with Iterator::Continue
  int max_returned = 0;                     // 0 = absent
  bool active_status_all = true;            // ActiveStatus=All (QuickBooks' default is ActiveOnly)
  std::optional<std::string> from_modified_date;  // inclusive, DATETIMETYPE
  bool names_only = true;                   // IncludeRetElement for only the fields qblink uses
};

// Values for CustomerAdd / VendorAdd. Empty strings are left out.
struct AddFields {
  std::string name;               // must already be legal (reconcile checks it)
  std::string parent_full_name;   // customers only: ParentRef/FullName for a job
  std::string company_name, first_name, last_name, phone, email;
  std::string addr1, addr2, city, state, postal_code, country;
};

struct AddRequest {
  ListKind kind = ListKind::Customer;  // Customer or Vendor
  std::string request_id;
  AddFields fields;
};

// A value that was shortened to its schema length when building (logged as a warning).
struct Shortened {
  std::string request_id;
  std::string field;
  std::size_t original_length = 0;
  std::size_t limit = 0;
};

class MessageSetBuilder {
 public:
  MessageSetBuilder(Version version, OnError on_error);
  void add(const ListQuery& query);
  // Shortens over-long optional fields to their schema length (never the name) and reports it.
  void add(const AddRequest& request, std::vector<Shortened>* shortened = nullptr);
  bool empty() const;
  std::string finish() const;  // the whole document, with <?xml?> and <?qbxml version?> PIs

 private:
  Version version_;
  OnError on_error_;
  std::string body_;
};

struct ListRecord {
  ListKind kind = ListKind::Customer;
  std::string list_id;
  std::string name;
  std::string full_name;        // = name for vendors, employees and other names
  std::string parent_list_id;   // jobs only
  int sublevel = 0;
  bool is_active = true;
  std::string edit_sequence;
  std::string time_created;
  std::string time_modified;
};

struct Status {
  int code = 0;
  std::string severity;  // "Info", "Warn", "Error"
  std::string message;
};

struct ResponseItem {
  std::string element;            // "CustomerQueryRs", "VendorAddRs", ...
  ListKind kind = ListKind::Customer;
  bool is_add = false;            // an *AddRs
  std::string request_id;
  Status status;
  std::string iterator_id;
  int iterator_remaining = -1;    // -1 = attribute absent
  std::vector<ListRecord> records;
};

struct ParsedResponse {
  bool ok = false;
  std::string error;              // with the byte offset when the XML is malformed
  std::vector<ResponseItem> items;
};
ParsedResponse parse_response(std::string_view xml);

// What the first sendRequestXML's strHCPResponse tells about QuickBooks and the open company.
struct HostInfo {
  bool ok = false;
  std::string error;
  std::string product_name;
  std::string country;
  std::vector<Version> supported_versions;
  std::string company_name;
  std::string file_id;            // the FileID DataExtRet under our OwnerID ("" if none)
};
HostInfo parse_hcp_response(std::string_view xml, std::string_view owner_id);

// DATETIMETYPE helpers. QuickBooks' TimeModified carries a wrong offset during daylight saving,
// so the incremental window is computed on the local wall-clock part and overlapped.
std::string datetime_minus_seconds(std::string_view qb_datetime, long seconds);

}  // namespace qblink::qbxml
