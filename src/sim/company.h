#pragma once
// A fake QuickBooks company file, held in JSON so a test or an integrator can write one by hand.
//
// The smallest valid file is `{"customers":[{"name":"Acme Ltd"}]}`: loading fills in ListIDs,
// FullNames, times and EditSequences. A job is a customer with a parent, written either with
// "parent_list_id" or with a FullName such as "full_name": "Acme Ltd:Roof". Field names in the
// JSON are the member names below; unknown fields are an error so that typos do not pass silently.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace qblink::sim {

enum class EntityList { Customer, Vendor, Employee, OtherName };
inline constexpr EntityList kAllEntityLists[] = {EntityList::Customer, EntityList::Vendor,
                                                 EntityList::Employee, EntityList::OtherName};

// "customers", "vendors", "employees", "other_names": the JSON array names.
std::string_view json_list_name(EntityList list);

struct Address {
  std::string addr1, addr2, city, state, postal_code, country;
  bool operator==(const Address&) const = default;
};

struct Entity {
  std::string list_id;         // e.g. "80000001-1704096000"; unique within its list
  std::string name;            // at most 41 characters, no ':', ISO-8859-1 only
  std::string full_name;       // "Parent:Job" for jobs; equals name for top level and non-customers
  std::string parent_list_id;  // customers only (jobs)
  int sublevel = 0;            // 0 top level, 1 a job, ... at most 4 (QuickBooks' five levels)
  bool is_active = true;
  std::string edit_sequence;  // numeric text; changes on every modification
  std::string time_created;   // qbXML DATETIMETYPE, e.g. "2024-01-01T00:00:00-08:00"
  std::string time_modified;
  std::string company_name, salutation, first_name, middle_name, last_name, job_title;
  std::string phone, mobile, alt_phone, fax, email, contact, account_number, notes;
  Address address;              // BillAddress, VendorAddress, EmployeeAddress or OtherNameAddress
  long long balance_cents = 0;  // JSON "balance" in currency units, e.g. 125.5
  bool operator==(const Entity&) const = default;
};

struct Company {
  std::string company_name = "Sample Company";
  std::string file_path = "C:\\Users\\Public\\Documents\\Intuit\\QuickBooks\\Sample Company.QBW";
  std::string country = "US";  // US, CA or UK
  std::string product_name = "QuickBooks Pro 2014";
  int qbxml_major = 13;  // highest qbXML version this QuickBooks supports
  int qbxml_minor = 0;
  std::map<std::string, std::string> file_ids;  // OwnerID -> FileID data extension
  std::vector<Entity> customers, vendors, employees, other_names;
  long long next_id = 1;  // source of new ListIDs (80000001-..., 80000002-...)
  long long clock = 0;    // seconds after kClockEpoch (qb_time.h): "now" in the file
  bool operator==(const Company&) const = default;

  std::vector<Entity>& list(EntityList which);
  const std::vector<Entity>& list(EntityList which) const;
};

// Throws std::runtime_error naming the file and the problem (bad JSON, a wrong type, an unknown
// field, an illegal or duplicate name, a missing parent...), e.g.
//   "company.json: customers[2] ("Acme:Roof"): name must not contain ':' ...".
Company load_company(const std::filesystem::path& path);

// Writes a temporary file beside `path`, flushes it to disk and renames it over `path`, so a
// reader never sees half a file. Throws std::runtime_error naming the file on failure.
void save_company(const Company& company, const std::filesystem::path& path);

// JSON text <-> Company, for callers that keep the company elsewhere. `source` names the origin
// in error messages.
Company parse_company_json(std::string_view json_text, std::string_view source = "company");
std::string company_to_json(const Company& company);

// Fills in what a hand-made company leaves out (ListIDs, FullNames, sublevels, times,
// EditSequences) and checks QuickBooks' invariants: legal names, names unique case-insensitively
// across all four lists, ListIDs unique per list, parents that exist, at most five levels.
// load_company calls it; call it yourself after building a Company in code. Throws
// std::runtime_error describing the first problem ("customers[3] (\"Acme\"): ...").
void normalize_company(Company& company);

}  // namespace qblink::sim
