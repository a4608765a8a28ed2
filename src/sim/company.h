#pragma once
// A fake QuickBooks company file, held in JSON so a test or an integrator can write one by hand.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace qblink::sim {

enum class EntityList { Customer, Vendor, Employee, OtherName };

struct Address {
  std::string addr1, addr2, city, state, postal_code, country;
};

struct Entity {
  std::string list_id;         // e.g. "80000001-1700000000"
  std::string name;            // at most 41 characters, no ':'
  std::string full_name;      // "Parent:Job" for jobs; equals name for top level and non-customers
  std::string parent_list_id;  // customers only (jobs)
  int sublevel = 0;
  bool is_active = true;
  std::string edit_sequence;
  std::string time_created;    // qbXML DATETIMETYPE, e.g. "2026-03-01T10:00:00-05:00"
  std::string time_modified;
  std::string company_name, first_name, last_name, phone, email;
  Address address;             // BillAddress for customers, VendorAddress for vendors
};

struct Company {
  std::string company_name = "Sample Company";
  std::string file_path = "C:\\Users\\Public\\Documents\\Intuit\\QuickBooks\\Sample Company.QBW";
  std::string country = "US";           // US, CA or UK
  std::string product_name = "QuickBooks Pro 2014";
  int qbxml_major = 13;                 // highest qbXML version this QuickBooks supports
  int qbxml_minor = 0;
  std::map<std::string, std::string> file_ids;  // OwnerID -> FileID data extension
  std::vector<Entity> customers, vendors, employees, other_names;
  long long next_id = 1;                // source of new ListIDs
  long long clock = 0;                  // seconds added to a fixed epoch for TimeModified
};

// Throws std::runtime_error naming the file and the problem.
Company load_company(const std::filesystem::path& path);
void save_company(const Company& company, const std::filesystem::path& path);

}  // namespace qblink::sim
