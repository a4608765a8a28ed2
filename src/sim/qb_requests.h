#pragma once
// qbXML request message sets, parsed into plain structs before anything runs: QuickBooks refuses
// a malformed message set as a whole, so the fake reads every request first and executes only a
// set that parsed completely.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/company.h"
#include "sim/qb_fields.h"

namespace qblink::sim::qbxml {

enum class OnError { Stop, Continue, Rollback };
enum class RqType { Query, Add, Mod, HostQuery, CompanyQuery, PreferencesQuery, Unsupported };
enum class IteratorMode { None, Start, Continue, Stop };
enum class MetaData { None, Only, AndResponse };
enum class ActiveStatus { ActiveOnly, InactiveOnly, All };
enum class MatchCriterion { StartsWith, Contains, EndsWith };
enum class Comparison { LessThan, LessThanEqual, Equal, GreaterThan, GreaterThanEqual };

struct ListRef {
  std::string list_id;
  std::string full_name;
};

struct QueryParams {
  IteratorMode iterator = IteratorMode::None;
  std::string iterator_id;
  MetaData meta = MetaData::None;
  std::vector<std::string> list_ids;
  std::vector<std::string> full_names;
  std::optional<long long> max_returned;
  ActiveStatus active = ActiveStatus::ActiveOnly;         // QuickBooks' default, see traps.md 13
  std::optional<std::string> from_modified, to_modified;  // raw, checked when executed (3020)
  std::optional<std::pair<MatchCriterion, std::string>> name_filter;
  std::optional<std::pair<std::string, std::string>> name_range;   // From, To; empty = open
  std::optional<std::pair<Comparison, long long>> balance_filter;  // amount in cents
};

// The fields of an Add or Mod; nullopt/absent = not in the request.
struct ChangeParams {
  std::string list_id;        // Mod only
  std::string edit_sequence;  // Mod only
  std::optional<std::string> name;
  std::optional<bool> is_active;
  std::optional<ListRef> parent;  // customers only
  std::vector<std::pair<const TextField*, std::string>> texts;
  std::vector<std::pair<const AddressField*, std::string>> address;
  std::optional<long long> open_balance_cents;
};

struct Request {
  std::string element;  // e.g. "CustomerQueryRq"
  RqType type = RqType::Unsupported;
  EntityList list = EntityList::Customer;
  std::optional<std::string> request_id;
  QueryParams query;
  ChangeParams change;
  std::vector<std::string> include;  // IncludeRetElement

  std::string rs_element() const;  // "CustomerQueryRs"
};

struct MessageSet {
  OnError on_error = OnError::Stop;
  std::vector<Request> requests;
};

struct ParseResult {
  std::optional<MessageSet> set;  // empty when the document must be refused
  std::string error;              // why it was refused
};

// Parses a whole request document. Refuses what QuickBooks' request processor refuses before
// running anything: text that is not well-formed XML, a DOCTYPE, a missing <?qbxml version?> or
// one above max_major.max_minor, a root other than QBXML/QBXMLMsgsRq, a missing or unknown
// onError, and requests missing required parts. (Element order and lengths are the XSD's job.)
ParseResult parse_request_document(std::string_view xml, int max_major, int max_minor);

// "12.50" -> 1250, "-3" -> -300; nullopt unless it matches AMTTYPE.
std::optional<long long> parse_amount_cents(std::string_view text);

}  // namespace qblink::sim::qbxml
