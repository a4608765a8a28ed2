#include "sim/company.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "sim/qb_fields.h"
#include "sim/qb_text.h"
#include "sim/qb_time.h"

namespace qblink::sim {

std::string_view json_list_name(EntityList list) {
  switch (list) {
    case EntityList::Customer:
      return "customers";
    case EntityList::Vendor:
      return "vendors";
    case EntityList::Employee:
      return "employees";
    case EntityList::OtherName:
      return "other_names";
  }
  return "customers";
}

std::vector<Entity>& Company::list(EntityList which) {
  switch (which) {
    case EntityList::Customer:
      return customers;
    case EntityList::Vendor:
      return vendors;
    case EntityList::Employee:
      return employees;
    case EntityList::OtherName:
      return other_names;
  }
  return customers;
}

const std::vector<Entity>& Company::list(EntityList which) const {
  return const_cast<Company&>(*this).list(which);
}

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error(message); }

// ---------------------------------------------------------------------------------------------
// Reading

// A place in the JSON ("customers[3].address.city"), spelled out only when an error needs it:
// a company of 20,000 names must not format 400,000 paths to report none.
struct Where {
  const Where* parent = nullptr;
  std::string_view key;                   // an object member, or
  std::size_t index = std::string::npos;  // an array element

  std::string str() const {
    std::string out = parent != nullptr ? parent->str() : std::string();
    if (index != std::string::npos) return out + fmt::format("[{}]", index);
    return out.empty() ? std::string(key) : out + "." + std::string(key);
  }
  Where member(std::string_view name) const { return {this, name}; }
  Where element(std::size_t i) const { return {this, {}, i}; }
};

std::string read_string(const json& value, const Where& where) {
  if (!value.is_string())
    fail(fmt::format("{}: expected a string, got {}", where.str(), value.type_name()));
  return value.get<std::string>();
}

bool read_bool(const json& value, const Where& where) {
  if (!value.is_boolean())
    fail(fmt::format("{}: expected true or false, got {}", where.str(), value.type_name()));
  return value.get<bool>();
}

long long read_integer(const json& value, const Where& where, long long min, long long max) {
  if (!value.is_number_integer()) {
    fail(fmt::format("{}: expected a whole number, got {}", where.str(), value.type_name()));
  }
  if (value.is_number_unsigned() &&
      value.get<unsigned long long>() > static_cast<unsigned long long>(max)) {
    fail(fmt::format("{}: {} is out of range [{}, {}]", where.str(),
                     value.get<unsigned long long>(), min, max));
  }
  const long long number = value.get<long long>();
  if (number < min || number > max) {
    fail(fmt::format("{}: {} is out of range [{}, {}]", where.str(), number, min, max));
  }
  return number;
}

long long read_cents(const json& value, const Where& where) {
  if (!value.is_number())
    fail(fmt::format("{}: expected a number, got {}", where.str(), value.type_name()));
  const double amount = value.get<double>();
  if (!std::isfinite(amount) || std::fabs(amount) > 1e13)
    fail(fmt::format("{}: amount is out of range", where.str()));
  return std::llround(amount * 100.0);
}

const json& expect_object(const json& value, const Where& where) {
  if (!value.is_object())
    fail(fmt::format("{}: expected an object, got {}", where.str(), value.type_name()));
  return value;
}

[[noreturn]] void unknown_field(const Where& where, std::string_view key) {
  fail(fmt::format("{}: unknown field \"{}\"", where.str(), key));
}

Address read_address(const json& value, const Where& where) {
  Address address;
  for (const auto& [key, item] : expect_object(value, where).items()) {
    const auto field =
        std::find_if(std::begin(kAddressFields), std::end(kAddressFields),
                     [&key = key](const AddressField& f) { return f.json_key == key; });
    if (field == std::end(kAddressFields)) unknown_field(where, key);
    address.*(field->member) = read_string(item, where.member(key));
  }
  return address;
}

Entity read_entity(const json& value, const Where& where) {
  struct Key {
    std::string_view key;
    std::string Entity::*member;
  };
  static constexpr Key kIdentity[] = {
      {"list_id", &Entity::list_id},
      {"name", &Entity::name},
      {"full_name", &Entity::full_name},
      {"parent_list_id", &Entity::parent_list_id},
      {"edit_sequence", &Entity::edit_sequence},
      {"time_created", &Entity::time_created},
      {"time_modified", &Entity::time_modified},
  };
  Entity entity;
  for (const auto& [key, item] : expect_object(value, where).items()) {
    const Where at = where.member(key);
    if (const auto* id = std::find_if(std::begin(kIdentity), std::end(kIdentity),
                                      [&key = key](const Key& k) { return k.key == key; });
        id != std::end(kIdentity)) {
      entity.*(id->member) = read_string(item, at);
    } else if (const auto* field =
                   std::find_if(std::begin(kTextFields), std::end(kTextFields),
                                [&key = key](const TextField& f) { return f.json_key == key; });
               field != std::end(kTextFields)) {
      entity.*(field->member) = read_string(item, at);
    } else if (key == "is_active") {
      entity.is_active = read_bool(item, at);
    } else if (key == "sublevel") {
      // Recomputed from the parents; accepted so that saved files load back.
      entity.sublevel = static_cast<int>(read_integer(item, at, 0, kMaxSublevel));
    } else if (key == "balance") {
      entity.balance_cents = read_cents(item, at);
    } else if (key == "address") {
      entity.address = read_address(item, at);
    } else {
      unknown_field(where, key);
    }
  }
  return entity;
}

Company read_company(const json& root) {
  Company company;
  const Where top{nullptr, "top level"};
  for (const auto& [key, item] : expect_object(root, top).items()) {
    const Where at{nullptr, key};
    if (key == "company_name") {
      company.company_name = read_string(item, at);
    } else if (key == "file_path") {
      company.file_path = read_string(item, at);
    } else if (key == "country") {
      company.country = read_string(item, at);
    } else if (key == "product_name") {
      company.product_name = read_string(item, at);
    } else if (key == "qbxml_major") {
      company.qbxml_major = static_cast<int>(read_integer(item, at, 1, 99));
    } else if (key == "qbxml_minor") {
      company.qbxml_minor = static_cast<int>(read_integer(item, at, 0, 99));
    } else if (key == "next_id") {
      company.next_id = read_integer(item, at, 1, 0x7FFFFFFF);
    } else if (key == "clock") {
      company.clock = read_integer(item, at, 0, 1LL << 40);
    } else if (key == "file_ids") {
      for (const auto& [owner, file_id] : expect_object(item, at).items()) {
        company.file_ids[owner] = read_string(file_id, at.member(owner));
      }
    } else {
      const auto list =
          std::find_if(std::begin(kAllEntityLists), std::end(kAllEntityLists),
                       [&key = key](EntityList l) { return json_list_name(l) == key; });
      if (list == std::end(kAllEntityLists)) unknown_field(top, key);
      if (!item.is_array())
        fail(fmt::format("{}: expected an array, got {}", key, item.type_name()));
      auto& entities = company.list(*list);
      entities.reserve(item.size());
      for (std::size_t i = 0; i < item.size(); ++i)
        entities.push_back(read_entity(item[i], at.element(i)));
    }
  }
  return company;
}

// ---------------------------------------------------------------------------------------------
// Writing

ordered_json entity_json(const Entity& e, EntityList list) {
  ordered_json out;
  out["list_id"] = e.list_id;
  out["name"] = e.name;
  if (list == EntityList::Customer) {
    out["full_name"] = e.full_name;
    if (!e.parent_list_id.empty()) {
      out["parent_list_id"] = e.parent_list_id;
      out["sublevel"] = e.sublevel;
    }
  }
  out["is_active"] = e.is_active;
  out["edit_sequence"] = e.edit_sequence;
  out["time_created"] = e.time_created;
  out["time_modified"] = e.time_modified;
  for (const auto& field : kTextFields) {
    if (!(e.*(field.member)).empty()) out[std::string(field.json_key)] = e.*(field.member);
  }
  if (e.address != Address{}) {
    ordered_json address = ordered_json::object();
    for (const auto& field : kAddressFields) {
      const auto& value = e.address.*(field.member);
      if (!value.empty()) address[std::string(field.json_key)] = value;
    }
    out["address"] = std::move(address);
  }
  if (e.balance_cents != 0) out["balance"] = static_cast<double>(e.balance_cents) / 100.0;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Normalising

std::string describe_entity(EntityList list, std::size_t index, const Entity& e) {
  const std::string& shown = e.name.empty() ? e.full_name : e.name;
  if (shown.empty()) return fmt::format("{}[{}]", json_list_name(list), index);
  return fmt::format("{}[{}] (\"{}\")", json_list_name(list), index, shown);
}

// Record number of a ListID this simulator made ("80000001-..." -> 1), or 0.
long long list_id_counter(const std::string& list_id) {
  const auto dash = list_id.find('-');
  if (dash != 8) return 0;
  long long value = 0;
  for (std::size_t i = 0; i < dash; ++i) {
    const char c = list_id[i];
    int digit = 0;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return 0;
    }
    value = value * 16 + digit;
  }
  return value > 0x80000000LL ? value - 0x80000000LL : 0;
}

// Cheap for ASCII text that fits in bytes, which nearly every value is.
bool too_long(std::string_view value, std::size_t max_chars) {
  return value.size() > max_chars && text::char_count(value) > max_chars;
}
bool is_ascii(std::string_view value) {
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

template <typename Describe>
void check_fields(const Entity& e, const Describe& where) {
  for (const auto& field : kTextFields) {
    const auto& value = e.*(field.member);
    if (!is_ascii(value) && !text::is_valid_utf8(value)) {
      fail(fmt::format("{}: {} is not valid UTF-8", where(), field.json_key));
    }
    if (too_long(value, field.max_chars)) {
      fail(fmt::format("{}: {} is longer than {} characters", where(), field.json_key,
                       field.max_chars));
    }
  }
  for (const auto& field : kAddressFields) {
    const auto& value = e.address.*(field.member);
    if (!is_ascii(value) && !text::is_valid_utf8(value)) {
      fail(fmt::format("{}: address.{} is not valid UTF-8", where(), field.json_key));
    }
    if (too_long(value, field.max_chars)) {
      fail(fmt::format("{}: address.{} is longer than {} characters", where(), field.json_key,
                       field.max_chars));
    }
  }
  if (e.list_id.size() > 36) fail(fmt::format("{}: list_id is longer than 36 characters", where()));
  if (e.edit_sequence.size() > 16)
    fail(fmt::format("{}: edit_sequence is longer than 16 characters", where()));
}

// Who uses a name, for the uniqueness check across the four lists.
struct NameUser {
  EntityList list;
  std::size_t index;
};
using NameUsers = std::unordered_map<std::string, NameUser>;

[[noreturn]] void fail_name_in_use(const Company& company, EntityList list, std::size_t index,
                                   std::string_view name, const NameUser& user) {
  fail(fmt::format(
      "{}: the name \"{}\" is already used by {} (QuickBooks names are unique, ignoring case, "
      "across customers, vendors, employees and other names)",
      describe_entity(list, index, company.list(list)[index]), name,
      describe_entity(user.list, user.index, company.list(user.list)[user.index])));
}

// Builds customers' FullNames and sublevels from their parents. A job names its parent either
// by parent_list_id or by the FullName prefix of its own full_name ("Acme:Roof").
class CustomerTree {
 public:
  CustomerTree(const Company& company, std::vector<Entity>& customers, NameUsers& names)
      : company_(company),
        customers_(customers),
        names_(names),
        settled_(customers.size(), false) {}

  void resolve() {
    std::unordered_map<std::string, std::size_t> by_id;
    for (std::size_t i = 0; i < customers_.size(); ++i) by_id.emplace(customers_[i].list_id, i);
    std::vector<std::size_t> pending(customers_.size());
    for (std::size_t i = 0; i < pending.size(); ++i) pending[i] = i;

    // Each pass settles one more level, so at most kMaxSublevel + 1 passes do real work.
    while (!pending.empty()) {
      std::vector<std::size_t> waiting;
      for (const std::size_t i : pending) {
        Entity& e = customers_[i];
        if (!e.parent_list_id.empty()) {
          const auto parent = by_id.find(e.parent_list_id);
          if (parent == by_id.end()) {
            fail(fmt::format("{}: parent_list_id \"{}\" is not the ListID of a customer", where(i),
                             e.parent_list_id));
          }
          if (!settled_[parent->second]) {
            waiting.push_back(i);
            continue;
          }
          settle(i, parent->second);
        } else if (const auto colon = e.full_name.rfind(':'); colon != std::string::npos) {
          const auto parent = by_key_.find(text::name_key(e.full_name.substr(0, colon)));
          if (parent == by_key_.end()) {
            waiting.push_back(i);
            continue;
          }
          e.parent_list_id = customers_[parent->second].list_id;
          settle(i, parent->second);
        } else {
          settle(i, std::nullopt);
        }
      }
      if (waiting.size() == pending.size()) {
        const Entity& e = customers_[waiting.front()];
        if (!e.parent_list_id.empty()) {
          fail(
              fmt::format("{}: parent_list_id \"{}\" never reaches a top-level customer (a cycle?)",
                          where(waiting.front()), e.parent_list_id));
        }
        fail(fmt::format(
            "{}: no customer has the FullName \"{}\" that this job's full_name names as its parent",
            where(waiting.front()), e.full_name.substr(0, e.full_name.rfind(':'))));
      }
      pending = std::move(waiting);
    }
  }

 private:
  std::string where(std::size_t i) const {
    return describe_entity(EntityList::Customer, i, customers_[i]);
  }

  void settle(std::size_t i, std::optional<std::size_t> parent) {
    Entity& e = customers_[i];
    std::string expected = e.name;
    e.sublevel = 0;
    if (parent) {
      expected = customers_[*parent].full_name + ":" + e.name;
      e.sublevel = customers_[*parent].sublevel + 1;
      if (e.sublevel > kMaxSublevel) {
        fail(fmt::format("{}: jobs nest at most {} levels deep in QuickBooks", where(i),
                         kMaxSublevel + 1));
      }
    }
    // A given full_name must agree with name and parent, ignoring case (a parent found through
    // the full_name was matched that way); the stored one takes the parent's spelling.
    if (!e.full_name.empty() && text::name_key(e.full_name) != text::name_key(expected)) {
      fail(fmt::format("{}: full_name \"{}\" does not match its name and parent (expected \"{}\")",
                       where(i), e.full_name, expected));
    }
    e.full_name = std::move(expected);
    std::string key = text::name_key(e.full_name);
    if (const auto [it, inserted] = names_.emplace(key, NameUser{EntityList::Customer, i});
        !inserted) {
      fail_name_in_use(company_, EntityList::Customer, i, e.full_name, it->second);
    }
    by_key_.emplace(std::move(key), i);
    settled_[i] = true;
  }

  const Company& company_;
  std::vector<Entity>& customers_;
  NameUsers& names_;
  std::unordered_map<std::string, std::size_t> by_key_;  // settled customers by FullName key
  std::vector<bool> settled_;
};

// ---------------------------------------------------------------------------------------------
// Files

// Owns a POSIX file descriptor.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  // Closes now, so that a failing close (deferred write errors on some file systems) is seen.
  int close_now() {
    const int fd = std::exchange(fd_, -1);
    return fd >= 0 ? ::close(fd) : 0;
  }

 private:
  int fd_;
};

// Removes the temporary file unless the rename made it the real one.
class TempFileGuard {
 public:
  explicit TempFileGuard(std::filesystem::path path) : path_(std::move(path)) {}
  ~TempFileGuard() {
    if (!path_.empty()) {
      std::error_code ignored;
      std::filesystem::remove(path_, ignored);
    }
  }
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;
  void keep() { path_.clear(); }

 private:
  std::filesystem::path path_;
};

[[noreturn]] void fail_errno(const std::filesystem::path& path, std::string_view what) {
  fail(fmt::format("{}: {}: {}", path.string(), what, std::strerror(errno)));
}

}  // namespace

Company parse_company_json(std::string_view json_text, std::string_view source) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::parse_error& e) {
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix; keep line and column.
    std::string what = e.what();
    if (const auto close = what.find("] ");
        what.starts_with("[json.exception") && close != std::string::npos) {
      what.erase(0, close + 2);
    }
    fail(fmt::format("{}: not valid JSON: {}", source, what));
  }
  try {
    Company company = read_company(root);
    normalize_company(company);
    return company;
  } catch (const std::runtime_error& e) {
    fail(fmt::format("{}: {}", source, e.what()));
  }
}

std::string company_to_json(const Company& company) {
  ordered_json root;
  root["company_name"] = company.company_name;
  root["file_path"] = company.file_path;
  root["country"] = company.country;
  root["product_name"] = company.product_name;
  root["qbxml_major"] = company.qbxml_major;
  root["qbxml_minor"] = company.qbxml_minor;
  root["next_id"] = company.next_id;
  root["clock"] = company.clock;
  root["file_ids"] = ordered_json::object();
  for (const auto& [owner, file_id] : company.file_ids) root["file_ids"][owner] = file_id;
  for (const EntityList list : kAllEntityLists) {
    ordered_json entities = ordered_json::array();
    for (const auto& e : company.list(list)) entities.push_back(entity_json(e, list));
    root[std::string(json_list_name(list))] = std::move(entities);
  }
  return root.dump(2) + "\n";
}

Company load_company(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    fail(fmt::format("{}: cannot open the company file: {}", path.string(), std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(fmt::format("{}: cannot read the company file", path.string()));
  return parse_company_json(text.str(), path.string());
}

void save_company(const Company& company, const std::filesystem::path& path) {
  const std::string text = company_to_json(company);
  const auto directory = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::random_device random;
  const auto temp =
      directory / fmt::format(".{}.tmp-{}-{:08x}", path.filename().string(), ::getpid(), random());
  FileDescriptor fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (fd.get() < 0) fail_errno(temp, "cannot create a temporary file");
  TempFileGuard guard(temp);
  for (std::size_t written = 0; written < text.size();) {
    const ssize_t n = ::write(fd.get(), text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_errno(temp, "cannot write");
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) fail_errno(temp, "cannot flush to disk");
  if (fd.close_now() != 0) fail_errno(temp, "cannot close");
  if (::rename(temp.c_str(), path.c_str()) != 0)
    fail_errno(path, "cannot replace the company file");
  guard.keep();
  // Make the rename itself durable; failing here loses nothing that was not already visible.
  FileDescriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get());
}

void normalize_company(Company& company) {
  if (company.country != "US" && company.country != "CA" && company.country != "UK") {
    fail(fmt::format("country: \"{}\" is not one of US, CA, UK", company.country));
  }
  if (company.qbxml_major < 1) fail("qbxml_major: must be at least 1");
  if (company.qbxml_minor < 0) fail("qbxml_minor: must not be negative");
  if (company.next_id < 1) company.next_id = 1;
  if (company.clock < 0) fail("clock: must not be negative");

  // Names, fields and times each entry carries on its own.
  bool missing_times = false;
  for (const EntityList list : kAllEntityLists) {
    auto& entities = company.list(list);
    for (std::size_t i = 0; i < entities.size(); ++i) {
      Entity& e = entities[i];
      const auto where = [&] { return describe_entity(list, i, e); };
      if (e.name.empty() && !e.full_name.empty()) {
        const auto colon = e.full_name.rfind(':');
        e.name = colon == std::string::npos ? e.full_name : e.full_name.substr(colon + 1);
      }
      if (e.name.empty()) fail(fmt::format("{}: missing \"name\"", where()));
      if (const auto problem = check_name(e.name); problem != NameProblem::None) {
        fail(fmt::format("{}: name {}", where(), describe(problem)));
      }
      if (list != EntityList::Customer) {
        if (!e.parent_list_id.empty())
          fail(fmt::format("{}: only customers can have a parent (jobs)", where()));
        if (!e.full_name.empty() && e.full_name != e.name) {
          fail(fmt::format("{}: full_name must equal name outside the customer list", where()));
        }
        e.full_name = e.name;
        e.sublevel = 0;
      }
      check_fields(e, where);
      for (const std::string* time : {&e.time_created, &e.time_modified}) {
        if (time->empty()) {
          missing_times = true;
          continue;
        }
        const auto seconds = parse_qb_datetime(*time);
        if (!seconds) fail(fmt::format("{}: \"{}\" is not a qbXML date-time", where(), *time));
        // Keep the clock at or after every recorded change so new times never go backwards.
        company.clock = std::max(company.clock, *seconds - kClockEpoch);
      }
      if (!e.list_id.empty())
        company.next_id = std::max(company.next_id, list_id_counter(e.list_id) + 1);
    }
  }

  // What a hand-made file left out.
  const long long now = kClockEpoch + company.clock;
  const std::string now_text = missing_times ? format_qb_datetime(now) : std::string();
  for (const EntityList list : kAllEntityLists) {
    auto& entities = company.list(list);
    std::unordered_map<std::string, std::size_t> ids;
    for (std::size_t i = 0; i < entities.size(); ++i) {
      if (entities[i].list_id.empty()) continue;
      if (const auto [it, inserted] = ids.emplace(entities[i].list_id, i); !inserted) {
        fail(fmt::format("{}: list_id \"{}\" is already used by {}",
                         describe_entity(list, i, entities[i]), entities[i].list_id,
                         describe_entity(list, it->second, entities[it->second])));
      }
    }
    for (Entity& e : entities) {
      if (e.list_id.empty()) {
        do {
          e.list_id = format_list_id(company.next_id++, now);
        } while (ids.contains(e.list_id));
        ids.emplace(e.list_id, 0);
      }
      if (e.time_created.empty())
        e.time_created = e.time_modified.empty() ? now_text : e.time_modified;
      if (e.time_modified.empty()) e.time_modified = e.time_created;
      if (e.edit_sequence.empty())
        e.edit_sequence = std::to_string(*parse_qb_datetime(e.time_modified));
    }
  }

  // Names are unique across the four lists; customers first settle their FullNames.
  NameUsers names;
  names.reserve(company.customers.size() + company.vendors.size() + company.employees.size() +
                company.other_names.size());
  CustomerTree(company, company.customers, names).resolve();
  for (const EntityList list : {EntityList::Vendor, EntityList::Employee, EntityList::OtherName}) {
    const auto& entities = company.list(list);
    for (std::size_t i = 0; i < entities.size(); ++i) {
      if (const auto [it, inserted] =
              names.emplace(text::name_key(entities[i].name), NameUser{list, i});
          !inserted) {
        fail_name_in_use(company, list, i, entities[i].name, it->second);
      }
    }
  }
}

}  // namespace qblink::sim
