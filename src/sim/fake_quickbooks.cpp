#include "sim/fake_quickbooks.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <random>
#include <span>
#include <unordered_map>
#include <vector>

#include "sim/qb_fields.h"
#include "sim/qb_requests.h"
#include "sim/qb_response.h"
#include "sim/qb_text.h"
#include "sim/qb_time.h"
#include "sim/xsd_validator.h"

namespace qblink::sim {

namespace q = qbxml;

namespace {

using Position = std::uint32_t;  // index of an entity in its Company list; stable (lists only grow)
constexpr Position kNoPosition = UINT32_MAX;

std::size_t slot(EntityList list) { return static_cast<std::size_t>(list); }

// Where a name is used: the uniqueness rule spans all four lists.
struct NameOwner {
  EntityList list;
  Position pos;
};

// Per-list lookups. Kept up to date on every add and change, so a query page never sorts.
struct ListIndex {
  std::vector<std::string> keys;    // text::name_key(FullName), by position
  std::vector<long long> modified;  // TimeModified as Unix seconds, by position
  std::vector<Position> sorted;     // positions in QuickBooks' order: FullName, ignoring case
  std::unordered_map<std::string, Position> by_list_id;

  auto key_less() const {
    return [this](Position p, const std::string& key) { return keys[p] < key; };
  }
  auto key_greater() const {
    return [this](const std::string& key, Position p) { return key < keys[p]; };
  }
  std::size_t lower(const std::string& key) const {
    return static_cast<std::size_t>(
        std::lower_bound(sorted.begin(), sorted.end(), key, key_less()) - sorted.begin());
  }
  std::size_t upper(const std::string& key) const {
    return static_cast<std::size_t>(
        std::upper_bound(sorted.begin(), sorted.end(), key, key_greater()) - sorted.begin());
  }
};

// An iterator's result set is fixed at Start (positions only); pages show current data.
struct Iterator {
  EntityList list = EntityList::Customer;
  std::vector<Position> matches;
  std::size_t next = 0;
  std::optional<long long> page;
  std::vector<std::string> include;
};

struct Selection {
  std::vector<Position> positions;
  q::Status status = q::status_ok();
  bool failed = false;  // status is an error; nothing selected
};

bool compare(q::Comparison op, long long left, long long right) {
  switch (op) {
    case q::Comparison::LessThan:
      return left < right;
    case q::Comparison::LessThanEqual:
      return left <= right;
    case q::Comparison::Equal:
      return left == right;
    case q::Comparison::GreaterThan:
      return left > right;
    case q::Comparison::GreaterThanEqual:
      return left >= right;
  }
  return false;
}

// QuickBooks' product major version: 16 for 2006, 24 for 2014 (year - 1990).
int product_major_version(const std::string& product_name) {
  for (std::size_t i = 0; i + 4 <= product_name.size(); ++i) {
    const auto digits = product_name.substr(i, 4);
    if ((digits.starts_with("19") || digits.starts_with("20")) &&
        std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::stoi(digits) - 1990;
    }
  }
  return 24;
}

void append_element(std::string& out, std::string_view name, std::string_view value) {
  out += '<';
  out += name;
  out += '>';
  text::append_text(out, value);
  out += "</";
  out += name;
  out += ">\n";
}

// PreferencesRet in the shape of the QuickBooks Pro 2006 capture; the fake has no preferences
// of its own, so the values are that company's.
constexpr std::string_view kPreferencesRet =
    "<PreferencesRet>\n"
    "<AccountingPreferences>\n"
    "<IsUsingAccountNumbers>false</IsUsingAccountNumbers>\n"
    "<IsRequiringAccounts>true</IsRequiringAccounts>\n"
    "<IsUsingClassTracking>false</IsUsingClassTracking>\n"
    "<IsUsingAuditTrail>true</IsUsingAuditTrail>\n"
    "<IsAssigningJournalEntryNumbers>true</IsAssigningJournalEntryNumbers>\n"
    "</AccountingPreferences>\n"
    "<FinanceChargePreferences>\n"
    "<AnnualInterestRate>0.00</AnnualInterestRate>\n"
    "<MinFinanceCharge>0.00</MinFinanceCharge>\n"
    "<GracePeriod>0</GracePeriod>\n"
    "<IsAssessingForOverdueCharges>false</IsAssessingForOverdueCharges>\n"
    "<CalculateChargesFrom>DueDate</CalculateChargesFrom>\n"
    "<IsMarkedToBePrinted>false</IsMarkedToBePrinted>\n"
    "</FinanceChargePreferences>\n"
    "<JobsAndEstimatesPreferences>\n"
    "<IsUsingEstimates>true</IsUsingEstimates>\n"
    "<IsUsingProgressInvoicing>true</IsUsingProgressInvoicing>\n"
    "<IsPrintingItemsWithZeroAmounts>false</IsPrintingItemsWithZeroAmounts>\n"
    "</JobsAndEstimatesPreferences>\n"
    "<PurchasesAndVendorsPreferences>\n"
    "<IsUsingInventory>true</IsUsingInventory>\n"
    "<DaysBillsAreDue>10</DaysBillsAreDue>\n"
    "<IsAutomaticallyUsingDiscounts>false</IsAutomaticallyUsingDiscounts>\n"
    "</PurchasesAndVendorsPreferences>\n"
    "<ReportsPreferences>\n"
    "<AgingReportBasis>AgeFromDueDate</AgingReportBasis>\n"
    "<SummaryReportBasis>Accrual</SummaryReportBasis>\n"
    "</ReportsPreferences>\n"
    "<SalesAndCustomersPreferences>\n"
    "<IsTrackingReimbursedExpensesAsIncome>false</IsTrackingReimbursedExpensesAsIncome>\n"
    "<IsAutoApplyingPayments>true</IsAutoApplyingPayments>\n"
    "<PriceLevels>\n"
    "<IsUsingPriceLevels>true</IsUsingPriceLevels>\n"
    "<IsRoundingSalesPriceUp>true</IsRoundingSalesPriceUp>\n"
    "</PriceLevels>\n"
    "</SalesAndCustomersPreferences>\n"
    "<SalesTaxPreferences>\n"
    "<DefaultItemSalesTaxRef>\n"
    "<ListID>10000-1704096000</ListID>\n"
    "<FullName>Out of State</FullName>\n"
    "</DefaultItemSalesTaxRef>\n"
    "<PaySalesTax>Monthly</PaySalesTax>\n"
    "<DefaultTaxableSalesTaxCodeRef>\n"
    "<ListID>20000-1704096000</ListID>\n"
    "<FullName>Tax</FullName>\n"
    "</DefaultTaxableSalesTaxCodeRef>\n"
    "<DefaultNonTaxableSalesTaxCodeRef>\n"
    "<ListID>30000-1704096000</ListID>\n"
    "<FullName>Non</FullName>\n"
    "</DefaultNonTaxableSalesTaxCodeRef>\n"
    "</SalesTaxPreferences>\n"
    "<TimeTrackingPreferences>\n"
    "<FirstDayOfWeek>Monday</FirstDayOfWeek>\n"
    "</TimeTrackingPreferences>\n"
    "<CurrentAppAccessRights>\n"
    "<IsAutomaticLoginAllowed>false</IsAutomaticLoginAllowed>\n"
    "<IsPersonalDataAccessAllowed>false</IsPersonalDataAccessAllowed>\n"
    "</CurrentAppAccessRights>\n"
    "</PreferencesRet>\n";

}  // namespace

struct FakeQuickBooks::Impl {
  Impl(Company& c, FakeQuickBooksOptions options)
      : company(c), validator(std::move(options.validator)) {
    if (!validator && options.xsd_dir) {
      validator = std::make_shared<const XsdValidator>(XsdValidator::qbxml13(*options.xsd_dir));
    }
    std::random_device seed;
    random.seed((static_cast<std::uint64_t>(seed()) << 32) ^ seed());
    rebuild();
  }

  Company& company;
  std::shared_ptr<const XsdValidator> validator;
  std::array<ListIndex, 4> lists;
  std::unordered_map<std::string, NameOwner> names;                 // name key -> user
  std::unordered_map<std::string, std::vector<Position>> children;  // customer ListID -> jobs
  std::vector<long long> total_cents;  // customers' TotalBalance (own + jobs'), by position
  std::unordered_map<std::string, Iterator> iterators;
  bool session_open = false;
  std::string owner_id;
  std::mt19937_64 random;
  std::size_t invalid = 0;
  std::size_t records = 0;
  std::size_t processed = 0;

  // --- the index ---------------------------------------------------------------------------

  void rebuild() {
    normalize_company(company);
    // Iterators hold positions; if the caller removed entries they may point past the end.
    const bool shrank = std::any_of(
        std::begin(kAllEntityLists), std::end(kAllEntityLists), [this](EntityList list) {
          return company.list(list).size() < lists[slot(list)].keys.size();
        });
    if (shrank) iterators.clear();
    names.clear();
    children.clear();
    for (const EntityList list : kAllEntityLists) {
      const auto& entities = company.list(list);
      ListIndex& index = lists[slot(list)];
      index = ListIndex{};
      index.keys.reserve(entities.size());
      index.modified.reserve(entities.size());
      index.by_list_id.reserve(entities.size());
      for (Position pos = 0; pos < entities.size(); ++pos) {
        const Entity& e = entities[pos];
        index.keys.push_back(text::name_key(e.full_name));
        index.modified.push_back(parse_qb_datetime(e.time_modified).value_or(0));
        index.by_list_id.emplace(e.list_id, pos);
        names.emplace(index.keys.back(), NameOwner{list, pos});
        if (!e.parent_list_id.empty()) children[e.parent_list_id].push_back(pos);
      }
      index.sorted.resize(entities.size());
      std::iota(index.sorted.begin(), index.sorted.end(), Position{0});
      std::sort(index.sorted.begin(), index.sorted.end(),
                [&index](Position a, Position b) { return index.keys[a] < index.keys[b]; });
    }
    total_cents.assign(company.customers.size(), 0);
    for (Position pos = 0; pos < company.customers.size(); ++pos) {
      add_to_totals(pos, company.customers[pos].balance_cents);
    }
  }

  // The company's lists changed size behind our back (the caller added or removed entries).
  bool stale() const {
    return std::any_of(std::begin(kAllEntityLists), std::end(kAllEntityLists),
                       [this](EntityList list) {
                         return company.list(list).size() != lists[slot(list)].keys.size();
                       });
  }

  std::optional<Position> parent_of(Position pos) const {
    const auto& id = company.customers[pos].parent_list_id;
    if (id.empty()) return std::nullopt;
    const auto& by_id = lists[slot(EntityList::Customer)].by_list_id;
    const auto found = by_id.find(id);
    return found == by_id.end() ? std::nullopt : std::optional(found->second);
  }

  // Adds `cents` to the TotalBalance of `pos` and of each of its ancestors.
  void add_to_totals(Position pos, long long cents) {
    for (std::optional<Position> at = pos; at; at = parent_of(*at)) total_cents[*at] += cents;
  }

  long long total_of(EntityList list, Position pos) const {
    return list == EntityList::Customer ? total_cents[pos] : company.list(list)[pos].balance_cents;
  }

  Position insert(EntityList list, Entity entity) {
    auto& entities = company.list(list);
    ListIndex& index = lists[slot(list)];
    const auto pos = static_cast<Position>(entities.size());
    entities.push_back(std::move(entity));
    const Entity& e = entities.back();
    index.keys.push_back(text::name_key(e.full_name));
    index.modified.push_back(parse_qb_datetime(e.time_modified).value_or(0));
    index.by_list_id.emplace(e.list_id, pos);
    names.emplace(index.keys.back(), NameOwner{list, pos});
    index.sorted.insert(
        index.sorted.begin() + static_cast<std::ptrdiff_t>(index.upper(index.keys.back())), pos);
    if (list == EntityList::Customer) {
      if (!e.parent_list_id.empty()) children[e.parent_list_id].push_back(pos);
      total_cents.push_back(0);
      add_to_totals(pos, e.balance_cents);
    }
    return pos;
  }

  // Moves `pos` to its place under a new name key.
  void rekey(EntityList list, Position pos, std::string key) {
    ListIndex& index = lists[slot(list)];
    if (index.keys[pos] == key) return;
    auto at = index.sorted.begin() + static_cast<std::ptrdiff_t>(index.lower(index.keys[pos]));
    while (at != index.sorted.end() && *at != pos) ++at;  // keys are unique; this is defensive
    if (at != index.sorted.end()) index.sorted.erase(at);
    names.erase(index.keys[pos]);
    index.keys[pos] = std::move(key);
    names.emplace(index.keys[pos], NameOwner{list, pos});
    index.sorted.insert(
        index.sorted.begin() + static_cast<std::ptrdiff_t>(index.upper(index.keys[pos])), pos);
  }

  // A customer's FullName changed: so did its jobs'.
  void set_customer_full_name(Position pos, std::string full_name, int sublevel) {
    Entity& e = company.customers[pos];
    e.full_name = std::move(full_name);
    e.sublevel = sublevel;
    rekey(EntityList::Customer, pos, text::name_key(e.full_name));
    const auto jobs = children.find(e.list_id);
    if (jobs == children.end()) return;
    for (const Position job : jobs->second) {
      set_customer_full_name(job, e.full_name + ":" + company.customers[job].name, sublevel + 1);
    }
  }

  int subtree_height(Position pos) const {
    const auto jobs = children.find(company.customers[pos].list_id);
    int height = 0;
    if (jobs != children.end()) {
      for (const Position job : jobs->second) height = std::max(height, 1 + subtree_height(job));
    }
    return height;
  }

  std::string new_guid() {
    const std::uint64_t a = random();
    const std::uint64_t b = random();
    return fmt::format("{{{:08x}-{:04x}-{:04x}-{:04x}-{:012x}}}", a >> 32, (a >> 16) & 0xFFFF,
                       a & 0xFFFF, b >> 48, b & 0xFFFFFFFFFFFFULL);
  }

  // Every change QuickBooks makes happens one simulated second after the previous one, so
  // TimeModified and EditSequence always move forward.
  long long tick() { return kClockEpoch + ++company.clock; }

  std::string new_list_id(EntityList list, long long now) {
    const auto& used = lists[slot(list)].by_list_id;
    std::string id;
    do {
      id = format_list_id(company.next_id++, now);
    } while (used.contains(id));
    return id;
  }

  // --- processing ----------------------------------------------------------------------------

  ProcessOutcome refuse(std::string detail) {
    ++invalid;
    return {"", std::string(kParseErrorHresult), std::string(kParseErrorMessage),
            std::move(detail)};
  }

  ProcessOutcome process(std::string_view request) {
    if (stale()) rebuild();
    if (validator) {
      if (auto result = validator->validate(request); !result)
        return refuse("schema: " + result.error);
    }
    auto parsed = q::parse_request_document(request, company.qbxml_major, company.qbxml_minor);
    if (!parsed.set) return refuse(std::move(parsed.error));

    q::ResponseWriter out;
    for (const auto& rq : parsed.set->requests) {
      ++processed;
      const q::Status status = execute(rq, out);
      // rollbackOnError is treated as stopOnError: whether QuickBooks really rolls back is
      // unverified (qbwc-protocol.md 6.3), so nothing may rely on it.
      if (status.is_error() && parsed.set->on_error != q::OnError::Continue) break;
    }
    return {std::move(out).finish(), "", "", ""};
  }

  q::Status execute(const q::Request& rq, q::ResponseWriter& out) {
    switch (rq.type) {
      case q::RqType::Query:
        return run_query(rq, out);
      case q::RqType::Add:
        return run_add(rq, out);
      case q::RqType::Mod:
        return run_mod(rq, out);
      case q::RqType::HostQuery:
        return run_fixed(rq, out, host_ret());
      case q::RqType::CompanyQuery:
        return run_fixed(rq, out, company_ret());
      case q::RqType::PreferencesQuery:
        return run_fixed(rq, out, std::string(kPreferencesRet));
      case q::RqType::Unsupported:
        break;
    }
    q::Status status = q::status_unsupported();
    out.empty_rs(rq.rs_element(), rq.request_id, status);
    return status;
  }

  q::Status run_fixed(const q::Request& rq, q::ResponseWriter& out, const std::string& body) {
    q::Status status = q::status_ok();
    out.open_rs(rq.rs_element(), rq.request_id, status, {}, false);
    out.raw(body);
    out.close_rs(rq.rs_element());
    return status;
  }

  // --- queries -------------------------------------------------------------------------------

  q::Status run_query(const q::Request& rq, q::ResponseWriter& out) {
    const q::QueryParams& query = rq.query;
    const std::string rs = rq.rs_element();
    if (query.iterator == q::IteratorMode::Continue || query.iterator == q::IteratorMode::Stop) {
      const auto found = iterators.find(query.iterator_id);
      if (found == iterators.end() || found->second.list != rq.list) {
        // Unknown, from another list, or from a session that has ended.
        q::Status status = q::status_bad_iterator(query.iterator_id);
        out.empty_rs(rs, rq.request_id, status);
        return status;
      }
      if (query.iterator == q::IteratorMode::Stop) {
        iterators.erase(found);
        q::Status status = q::status_ok();
        out.open_rs(rs, rq.request_id, status, {std::nullopt, 0, query.iterator_id}, true);
        return status;
      }
      return write_page(rq, found->second, query.iterator_id, q::status_ok(), out);
    }

    const bool count_all =
        query.meta != q::MetaData::None || query.iterator == q::IteratorMode::Start;
    const std::size_t limit =
        count_all || !query.max_returned ? SIZE_MAX : static_cast<std::size_t>(*query.max_returned);
    Selection selection = select(rq, limit);
    if (selection.failed) {
      out.empty_rs(rs, rq.request_id, selection.status);
      return selection.status;
    }
    if (query.iterator == q::IteratorMode::Start) {
      std::string id = new_guid();
      Iterator& state = iterators[id];
      state = Iterator{rq.list, std::move(selection.positions), 0, query.max_returned, rq.include};
      return write_page(rq, state, id, selection.status, out);
    }

    std::span<const Position> returned(selection.positions);
    if (query.max_returned) {
      returned =
          returned.first(std::min(returned.size(), static_cast<std::size_t>(*query.max_returned)));
    }
    q::QueryAttributes attributes;
    if (query.meta != q::MetaData::None)
      attributes.ret_count = static_cast<long long>(selection.positions.size());
    if (query.meta == q::MetaData::Only) returned = {};
    q::Status status = selection.status;
    if (selection.positions.empty() && status.code == 0) status = q::status_no_match();
    write_rets(rq, rs, returned, status, attributes, q::RetMask(rq.include), out);
    return status;
  }

  q::Status write_page(const q::Request& rq, Iterator& state, const std::string& id,
                       q::Status status, q::ResponseWriter& out) {
    std::size_t page = state.matches.size() - state.next;
    if (const auto size = rq.query.max_returned ? rq.query.max_returned : state.page) {
      page = std::min(page, static_cast<std::size_t>(*size));
    }
    const std::span<const Position> returned(state.matches.data() + state.next, page);
    state.next += page;
    q::QueryAttributes attributes;
    attributes.iterator_remaining = static_cast<long long>(state.matches.size() - state.next);
    attributes.iterator_id = id;
    if (rq.query.meta != q::MetaData::None) attributes.ret_count = static_cast<long long>(page);
    if (page == 0 && status.code == 0) status = q::status_no_match();
    // A Continue may name its own IncludeRetElements; otherwise the Start's apply.
    const q::RetMask mask(rq.include.empty() ? state.include : rq.include);
    write_rets(rq, rq.rs_element(),
               rq.query.meta == q::MetaData::Only ? std::span<const Position>() : returned, status,
               attributes, mask, out);
    return status;
  }

  void write_rets(const q::Request& rq, const std::string& rs, std::span<const Position> returned,
                  const q::Status& status, const q::QueryAttributes& attributes,
                  const q::RetMask& mask, q::ResponseWriter& out) {
    out.open_rs(rs, rq.request_id, status, attributes, returned.empty());
    if (returned.empty()) return;
    const auto& entities = company.list(rq.list);
    for (const Position pos : returned)
      out.ret(rq.list, entities[pos], total_of(rq.list, pos), mask);
    out.close_rs(rs);
    records += returned.size();
  }

  Selection select(const q::Request& rq, std::size_t limit) {
    const q::QueryParams& query = rq.query;
    const ListIndex& index = lists[slot(rq.list)];
    Selection selection;
    if (!query.list_ids.empty()) {
      // A ListID that does not exist fails the whole query (qbwc-gem 3120 capture).
      for (const auto& id : query.list_ids) {
        const auto found = index.by_list_id.find(id);
        if (found == index.by_list_id.end()) return {{}, q::status_not_found(id), true};
        selection.positions.push_back(found->second);
      }
      return selection;
    }
    if (!query.full_names.empty()) {
      // Missing FullNames only warn (500, qbwc-gem capture); the ones found are returned.
      std::optional<std::string> missing;
      for (const auto& name : query.full_names) {
        const auto found = names.find(text::name_key(name));
        if (found != names.end() && found->second.list == rq.list) {
          selection.positions.push_back(found->second.pos);
        } else if (!missing) {
          missing = name;
        }
      }
      if (missing) selection.status = q::status_not_all_found(*missing);
      return selection;
    }

    std::optional<long long> from;
    std::optional<long long> to;
    if (query.from_modified && !(from = parse_qb_datetime(*query.from_modified))) {
      return {{}, q::status_bad_date(*query.from_modified, "FromModifiedDate"), true};
    }
    if (query.to_modified && !(to = parse_qb_datetime(*query.to_modified, true))) {
      return {{}, q::status_bad_date(*query.to_modified, "ToModifiedDate"), true};
    }
    if (from && to && *from > *to) return {{}, q::status_bad_date_range(), true};

    // Name filters compare FullNames ignoring case. StartsWith and NameRangeFilter narrow the
    // walk by binary search over the sorted index; the rest test each entry.
    std::size_t begin = 0;
    std::size_t end = index.sorted.size();
    std::string prefix;
    std::optional<std::string> contains;
    std::optional<std::string> suffix;
    if (query.name_filter) {
      std::string key = text::name_key(query.name_filter->second);
      switch (query.name_filter->first) {
        case q::MatchCriterion::StartsWith:
          begin = index.lower(key);
          prefix = std::move(key);
          break;
        case q::MatchCriterion::Contains:
          contains = std::move(key);
          break;
        case q::MatchCriterion::EndsWith:
          suffix = std::move(key);
          break;
      }
    }
    if (query.name_range) {
      if (!query.name_range->first.empty())
        begin = std::max(begin, index.lower(text::name_key(query.name_range->first)));
      if (!query.name_range->second.empty())
        end = std::min(end, index.upper(text::name_key(query.name_range->second)));
    }
    const auto& entities = company.list(rq.list);
    for (std::size_t i = begin; i < end && selection.positions.size() < limit; ++i) {
      const Position pos = index.sorted[i];
      const std::string& key = index.keys[pos];
      if (!prefix.empty() && !key.starts_with(prefix)) break;
      const bool active = entities[pos].is_active;
      if (query.active == q::ActiveStatus::ActiveOnly && !active) continue;
      if (query.active == q::ActiveStatus::InactiveOnly && active) continue;
      if (contains && key.find(*contains) == std::string::npos) continue;
      if (suffix && !key.ends_with(*suffix)) continue;
      if (from && index.modified[pos] < *from) continue;  // both bounds inclusive
      if (to && index.modified[pos] > *to) continue;
      if (query.balance_filter && !compare(query.balance_filter->first, total_of(rq.list, pos),
                                           query.balance_filter->second)) {
        continue;
      }
      selection.positions.push_back(pos);
    }
    return selection;
  }

  // --- adds and changes ----------------------------------------------------------------------

  // QuickBooks' checks on a value that got past the schema (or came with no schema check).
  std::optional<q::Status> check_values(const q::ChangeParams& change) const {
    if (change.name) {
      const NameProblem problem = check_name(*change.name);
      if (problem == NameProblem::TooLong) return q::status_too_long(*change.name, "Name");
      if (problem != NameProblem::None) return q::status_bad_name(*change.name, describe(problem));
    }
    for (const auto& [field, value] : change.texts) {
      if (text::char_count(value) > field->max_chars)
        return q::status_too_long(value, field->element);
    }
    for (const auto& [field, value] : change.address) {
      if (text::char_count(value) > field->max_chars)
        return q::status_too_long(value, field->element);
    }
    return std::nullopt;
  }

  // The customer a ParentRef names (ListID first, as QuickBooks does), or nullopt.
  std::optional<Position> find_parent(const q::ListRef& ref) const {
    if (!ref.list_id.empty()) {
      const auto& by_id = lists[slot(EntityList::Customer)].by_list_id;
      const auto found = by_id.find(ref.list_id);
      return found == by_id.end() ? std::nullopt : std::optional(found->second);
    }
    const auto found = names.find(text::name_key(ref.full_name));
    if (found == names.end() || found->second.list != EntityList::Customer) return std::nullopt;
    return found->second.pos;
  }

  static void apply_fields(const q::ChangeParams& change, Entity& e) {
    if (change.is_active) e.is_active = *change.is_active;
    for (const auto& [field, value] : change.texts) e.*(field->member) = value;
    for (const auto& [field, value] : change.address) e.address.*(field->member) = value;
  }

  q::Status fail(const q::Request& rq, q::Status status, q::ResponseWriter& out) {
    out.empty_rs(rq.rs_element(), rq.request_id, status);
    return status;
  }

  q::Status answer_with_ret(const q::Request& rq, Position pos, q::ResponseWriter& out) {
    q::Status status = q::status_ok();
    const std::string rs = rq.rs_element();
    out.open_rs(rs, rq.request_id, status, {}, false);
    out.ret(rq.list, company.list(rq.list)[pos], total_of(rq.list, pos), q::RetMask(rq.include));
    out.close_rs(rs);
    return status;
  }

  static std::string ref_text(const q::ListRef& ref) {
    return ref.full_name.empty() ? ref.list_id : ref.full_name;
  }

  q::Status run_add(const q::Request& rq, q::ResponseWriter& out) {
    const q::ChangeParams& change = rq.change;
    if (auto problem = check_values(change)) return fail(rq, std::move(*problem), out);
    const std::string& name = change.name.value();  // the parser requires it

    std::optional<Position> parent;
    const bool names_parent =
        change.parent && !(change.parent->list_id.empty() && change.parent->full_name.empty());
    if (rq.list == EntityList::Customer && names_parent) {
      parent = find_parent(*change.parent);
      if (!parent) {
        return fail(rq,
                    q::status_bad_parent(
                        ref_text(*change.parent),
                        "Invalid argument.  The specified record does not exist in the list."),
                    out);
      }
      if (company.customers[*parent].sublevel >= kMaxSublevel) {
        return fail(rq,
                    q::status_bad_parent(company.customers[*parent].full_name,
                                         "Jobs cannot be nested more than five levels deep."),
                    out);
      }
    }
    std::string full_name = parent ? company.customers[*parent].full_name + ":" + name : name;
    if (names.contains(text::name_key(full_name)))
      return fail(rq, q::status_name_in_use(name), out);

    Entity e;
    e.name = name;
    e.full_name = std::move(full_name);
    if (parent) {
      e.parent_list_id = company.customers[*parent].list_id;
      e.sublevel = company.customers[*parent].sublevel + 1;
    }
    apply_fields(change, e);
    e.balance_cents = change.open_balance_cents.value_or(0);
    const long long now = tick();
    e.list_id = new_list_id(rq.list, now);
    e.time_created = e.time_modified = format_qb_datetime(now);
    e.edit_sequence = std::to_string(now);
    return answer_with_ret(rq, insert(rq.list, std::move(e)), out);
  }

  q::Status run_mod(const q::Request& rq, q::ResponseWriter& out) {
    const q::ChangeParams& change = rq.change;
    auto& entities = company.list(rq.list);
    ListIndex& index = lists[slot(rq.list)];
    const auto found = index.by_list_id.find(change.list_id);
    if (found == index.by_list_id.end()) return fail(rq, q::status_not_found(change.list_id), out);
    const Position pos = found->second;
    if (change.edit_sequence != entities[pos].edit_sequence) {
      return fail(rq, q::status_stale_edit_sequence(change.edit_sequence), out);
    }
    if (auto problem = check_values(change)) return fail(rq, std::move(*problem), out);

    // The parent after the change; kNoPosition for top level. (A sentinel rather than an
    // optional: GCC 12 warns falsely about optional<uint32_t> here.)
    const bool is_customer = rq.list == EntityList::Customer;
    Position parent = is_customer ? parent_of(pos).value_or(kNoPosition) : kNoPosition;
    const bool moves = is_customer && change.parent &&
                       !(change.parent->list_id.empty() && change.parent->full_name.empty());
    if (moves) {
      const auto target = find_parent(*change.parent);
      if (!target) {
        return fail(rq,
                    q::status_bad_parent(
                        ref_text(*change.parent),
                        "Invalid argument.  The specified record does not exist in the list."),
                    out);
      }
      for (std::optional<Position> at = target; at; at = parent_of(*at)) {
        if (*at == pos) {
          return fail(
              rq,
              q::status_bad_parent(ref_text(*change.parent),
                                   "A customer cannot be a job of itself or of its own jobs."),
              out);
        }
      }
      if (entities[*target].sublevel + 1 + subtree_height(pos) > kMaxSublevel) {
        return fail(rq,
                    q::status_bad_parent(ref_text(*change.parent),
                                         "Jobs cannot be nested more than five levels deep."),
                    out);
      }
      parent = *target;
    }
    const bool has_parent = parent != kNoPosition;
    const std::string name = change.name.value_or(entities[pos].name);
    std::string full_name = has_parent ? entities[parent].full_name + ":" + name : name;
    const std::string key = text::name_key(full_name);
    if (const auto user = names.find(key);
        user != names.end() && !(user->second.list == rq.list && user->second.pos == pos)) {
      return fail(rq, q::status_name_in_use(name), out);
    }

    Entity& e = entities[pos];
    if (moves && entities[parent].list_id != e.parent_list_id) {
      // Move the job's TotalBalance (its own and its jobs') from the old ancestors to the new.
      const long long subtree_total = total_cents[pos];
      if (const auto old_parent = parent_of(pos)) {
        add_to_totals(*old_parent, -subtree_total);
        auto& siblings = children[e.parent_list_id];
        siblings.erase(std::remove(siblings.begin(), siblings.end(), pos), siblings.end());
      }
      e.parent_list_id = entities[parent].list_id;
      children[e.parent_list_id].push_back(pos);
      add_to_totals(parent, subtree_total);
    }
    e.name = name;
    apply_fields(change, e);
    const long long now = tick();
    e.time_modified = format_qb_datetime(now);
    e.edit_sequence = std::to_string(now);
    index.modified[pos] = now;
    if (full_name != e.full_name) {
      // Jobs' FullNames follow their parent's; their TimeModified does not move (unverified in
      // QuickBooks; the stricter choice for an incremental sync).
      if (is_customer) {
        set_customer_full_name(pos, std::move(full_name),
                               has_parent ? entities[parent].sublevel + 1 : 0);
      } else {
        e.full_name = std::move(full_name);
        rekey(rq.list, pos, key);
      }
    }
    return answer_with_ret(rq, pos, out);
  }

  // --- the HCP response ----------------------------------------------------------------------

  std::string host_ret() const {
    // Every qbXML version up to the company's, as HostRet lists them (1.0 ... 13.0 for 2014).
    static constexpr std::pair<int, int> kVersions[] = {
        {1, 0}, {1, 1}, {2, 0},  {2, 1},  {3, 0},  {4, 0},  {4, 1},  {5, 0},  {6, 0}, {7, 0},
        {8, 0}, {9, 0}, {10, 0}, {11, 0}, {12, 0}, {13, 0}, {14, 0}, {15, 0}, {16, 0}};
    const std::pair<int, int> supported{company.qbxml_major, company.qbxml_minor};
    std::string out = "<HostRet>\n";
    append_element(out, "ProductName", company.product_name);
    append_element(out, "MajorVersion",
                   std::to_string(product_major_version(company.product_name)));
    append_element(out, "MinorVersion", "0");
    append_element(out, "Country", company.country);
    bool listed = false;
    for (const auto& version : kVersions) {
      if (version > supported) break;
      append_element(out, "SupportedQBXMLVersion",
                     fmt::format("{}.{}", version.first, version.second));
      listed = version == supported;
    }
    if (!listed) {
      append_element(out, "SupportedQBXMLVersion",
                     fmt::format("{}.{}", supported.first, supported.second));
    }
    append_element(out, "IsAutomaticLogin", "false");
    append_element(out, "QBFileMode", "SingleUser");
    out += "</HostRet>\n";
    return out;
  }

  std::string company_ret() const {
    std::string out = "<CompanyRet>\n";
    append_element(out, "IsSampleCompany", "false");
    append_element(out, "CompanyName", company.company_name);
    append_element(out, "LegalCompanyName", company.company_name);
    append_element(out, "FirstMonthFiscalYear", "January");
    append_element(out, "FirstMonthIncomeTaxYear", "January");
    append_element(out, "CompanyType", "Service Business");
    append_element(out, "TaxForm", "OtherOrNone");
    const auto file_id = company.file_ids.find(owner_id);
    if (session_open && file_id != company.file_ids.end()) {
      // The Web Connector's own lock (PB snuB000p, CAP08): value LOCKED:<machine>:<.NET ticks>.
      const long long ticks = (kClockEpoch + company.clock + 62135596800LL) * 10000000LL;
      for (const auto& [name, value] :
           {std::pair<std::string_view, std::string>{"AppLock",
                                                     fmt::format("LOCKED:QBLINK-SIM:{}", ticks)},
            std::pair<std::string_view, std::string>{"FileID", file_id->second}}) {
        out += "<DataExtRet>\n";
        append_element(out, "OwnerID", owner_id);
        append_element(out, "DataExtName", name);
        append_element(out, "DataExtType", "STR255TYPE");
        append_element(out, "DataExtValue", value);
        out += "</DataExtRet>\n";
      }
    }
    out += "</CompanyRet>\n";
    return out;
  }

  std::string hcp_response() const {
    // QBWC's own HCP queries carry requestIDs 0, 1 and 2 (CAP08).
    q::ResponseWriter out;
    const std::pair<std::string_view, std::string> blocks[] = {
        {"HostQueryRs", host_ret()},
        {"CompanyQueryRs", company_ret()},
        {"PreferencesQueryRs", std::string(kPreferencesRet)}};
    int request_id = 0;
    for (const auto& [rs, body] : blocks) {
      out.open_rs(rs, std::to_string(request_id++), q::status_ok(), {}, false);
      out.raw(body);
      out.close_rs(rs);
    }
    return std::move(out).finish();
  }
};

FakeQuickBooks::FakeQuickBooks(Company& company, FakeQuickBooksOptions options)
    : impl_(std::make_unique<Impl>(company, std::move(options))) {}

FakeQuickBooks::~FakeQuickBooks() = default;

void FakeQuickBooks::begin_session(const std::string& owner_id) {
  impl_->rebuild();
  impl_->iterators.clear();
  impl_->session_open = true;
  impl_->owner_id = owner_id;
  if (!owner_id.empty() && !impl_->company.file_ids.contains(owner_id)) {
    impl_->company.file_ids[owner_id] = impl_->new_guid();
  }
}

void FakeQuickBooks::end_session() {
  impl_->iterators.clear();
  impl_->session_open = false;
  impl_->owner_id.clear();
}

bool FakeQuickBooks::in_session() const { return impl_->session_open; }

std::string FakeQuickBooks::hcp_response() const { return impl_->hcp_response(); }

ProcessOutcome FakeQuickBooks::process(std::string_view request) { return impl_->process(request); }

Company& FakeQuickBooks::company() { return impl_->company; }

void FakeQuickBooks::reindex() { impl_->rebuild(); }

std::size_t FakeQuickBooks::invalid_requests() const { return impl_->invalid; }

std::size_t FakeQuickBooks::records_returned() const { return impl_->records; }

std::size_t FakeQuickBooks::requests_processed() const { return impl_->processed; }

}  // namespace qblink::sim
