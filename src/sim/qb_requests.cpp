#include "sim/qb_requests.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <pugixml.hpp>
#include <stdexcept>

namespace qblink::sim::qbxml {

namespace {

// Thrown inside the parser only; parse_request_document turns it into a refused ParseResult.
struct Refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

template <typename... Args>
[[noreturn]] void refuse(fmt::format_string<Args...> format, Args&&... args) {
  throw Refused(fmt::format(format, std::forward<Args>(args)...));
}

std::string_view name_of(const pugi::xml_node& node) { return node.name(); }

std::string text_of(const pugi::xml_node& node) { return node.text().get(); }

// The one child a request must have, e.g. the CustomerAdd inside CustomerAddRq.
pugi::xml_node required_child(const pugi::xml_node& parent, const char* name) {
  const auto child = parent.child(name);
  if (!child) refuse("<{}> has no <{}>", name_of(parent), name);
  return child;
}

bool parse_bool(const pugi::xml_node& node) {
  const std::string value = text_of(node);
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  refuse("<{}> holds \"{}\", not a boolean", name_of(node), value);
}

long long parse_int(const pugi::xml_node& node) {
  const std::string value = text_of(node);
  long long number = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc() || end != value.data() + value.size()) {
    refuse("<{}> holds \"{}\", not an integer", name_of(node), value);
  }
  return number;
}

template <typename Enum, std::size_t N>
Enum parse_enum(std::string_view value, const std::pair<std::string_view, Enum> (&choices)[N],
                std::string_view what) {
  for (const auto& [text, choice] : choices) {
    if (text == value) return choice;
  }
  refuse("{} \"{}\" is not a known value", what, value);
}

ListRef parse_ref(const pugi::xml_node& node) {
  return ListRef{text_of(node.child("ListID")), text_of(node.child("FullName"))};
}

void parse_include(const pugi::xml_node& rq, Request& request) {
  for (const auto& include : rq.children("IncludeRetElement"))
    request.include.push_back(text_of(include));
}

void parse_query(const pugi::xml_node& rq, Request& request) {
  static constexpr std::pair<std::string_view, IteratorMode> kIterators[] = {
      {"Start", IteratorMode::Start},
      {"Continue", IteratorMode::Continue},
      {"Stop", IteratorMode::Stop}};
  static constexpr std::pair<std::string_view, MetaData> kMetaData[] = {
      {"NoMetaData", MetaData::None},
      {"MetaDataOnly", MetaData::Only},
      {"MetaDataAndResponseData", MetaData::AndResponse}};
  static constexpr std::pair<std::string_view, ActiveStatus> kActive[] = {
      {"ActiveOnly", ActiveStatus::ActiveOnly},
      {"InactiveOnly", ActiveStatus::InactiveOnly},
      {"All", ActiveStatus::All}};
  static constexpr std::pair<std::string_view, MatchCriterion> kMatch[] = {
      {"StartsWith", MatchCriterion::StartsWith},
      {"Contains", MatchCriterion::Contains},
      {"EndsWith", MatchCriterion::EndsWith}};
  static constexpr std::pair<std::string_view, Comparison> kOperators[] = {
      {"LessThan", Comparison::LessThan},
      {"LessThanEqual", Comparison::LessThanEqual},
      {"Equal", Comparison::Equal},
      {"GreaterThan", Comparison::GreaterThan},
      {"GreaterThanEqual", Comparison::GreaterThanEqual}};

  QueryParams& q = request.query;
  if (const auto attr = rq.attribute("iterator"))
    q.iterator = parse_enum(attr.value(), kIterators, "iterator");
  if (const auto attr = rq.attribute("metaData"))
    q.meta = parse_enum(attr.value(), kMetaData, "metaData");
  q.iterator_id = rq.attribute("iteratorID").value();
  if ((q.iterator == IteratorMode::Continue || q.iterator == IteratorMode::Stop) &&
      q.iterator_id.empty()) {
    refuse("<{}> iterator=\"{}\" needs an iteratorID", name_of(rq),
           rq.attribute("iterator").value());
  }

  for (const auto& child : rq.children()) {
    const std::string_view name = name_of(child);
    if (name == "ListID") {
      q.list_ids.push_back(text_of(child));
    } else if (name == "FullName") {
      q.full_names.push_back(text_of(child));
    } else if (name == "MaxReturned") {
      q.max_returned = parse_int(child);
      // The XSD's INTTYPE lets 0 through, but a page of nothing is never what a caller meant.
      if (*q.max_returned < 1) refuse("<MaxReturned> must be at least 1, got {}", *q.max_returned);
    } else if (name == "ActiveStatus") {
      q.active = parse_enum(text_of(child), kActive, "ActiveStatus");
    } else if (name == "FromModifiedDate") {
      q.from_modified = text_of(child);
    } else if (name == "ToModifiedDate") {
      q.to_modified = text_of(child);
    } else if (name == "NameFilter") {
      q.name_filter.emplace(
          parse_enum(text_of(required_child(child, "MatchCriterion")), kMatch, "MatchCriterion"),
          text_of(required_child(child, "Name")));
    } else if (name == "NameRangeFilter") {
      q.name_range.emplace(text_of(child.child("FromName")), text_of(child.child("ToName")));
    } else if (name == "TotalBalanceFilter") {
      const auto amount = parse_amount_cents(text_of(required_child(child, "Amount")));
      if (!amount) refuse("<TotalBalanceFilter> has an invalid <Amount>");
      q.balance_filter.emplace(
          parse_enum(text_of(required_child(child, "Operator")), kOperators, "Operator"), *amount);
    }
    // CurrencyFilter, ClassFilter, OwnerID: accepted and ignored (this company has neither
    // currencies, classes nor data extensions on its names).
  }
  const bool by_id = !q.list_ids.empty() || !q.full_names.empty();
  const bool filtered = q.max_returned || q.from_modified || q.to_modified || q.name_filter ||
                        q.name_range || q.balance_filter || rq.child("ActiveStatus");
  if (!q.list_ids.empty() && !q.full_names.empty())
    refuse("<{}> mixes ListID and FullName", name_of(rq));
  if (by_id && filtered) refuse("<{}> combines ListID/FullName with filters", name_of(rq));
  if (q.name_filter && q.name_range)
    refuse("<{}> has both NameFilter and NameRangeFilter", name_of(rq));
  parse_include(rq, request);
}

void parse_change(const pugi::xml_node& body, Request& request, bool is_mod) {
  ChangeParams& c = request.change;
  if (is_mod) {
    c.list_id = text_of(required_child(body, "ListID"));
    c.edit_sequence = text_of(required_child(body, "EditSequence"));
  } else {
    required_child(body, "Name");
  }
  const std::string_view address = address_element(request.list);
  for (const auto& child : body.children()) {
    const std::string_view name = name_of(child);
    if (name == "Name") {
      c.name = text_of(child);
    } else if (name == "IsActive") {
      c.is_active = parse_bool(child);
    } else if (name == "ParentRef" && request.list == EntityList::Customer) {
      c.parent = parse_ref(child);
    } else if (name == "OpenBalance" && !is_mod) {
      const std::string value = text_of(child);
      c.open_balance_cents = parse_amount_cents(value);
      if (!c.open_balance_cents) refuse("<OpenBalance> holds \"{}\", not an amount", value);
    } else if (name == address) {
      for (const auto& part : child.children()) {
        const auto field =
            std::find_if(std::begin(kAddressFields), std::end(kAddressFields),
                         [&](const AddressField& f) { return f.element == name_of(part); });
        if (field != std::end(kAddressFields)) c.address.emplace_back(&*field, text_of(part));
      }
    } else if (const auto field =
                   std::find_if(std::begin(kTextFields), std::end(kTextFields),
                                [&](const TextField& f) { return f.element == name; });
               field != std::end(kTextFields)) {
      c.texts.emplace_back(&*field, text_of(child));
    }
    // Everything else the XSD allows (ShipAddress, TermsRef, ...) is accepted and not stored.
  }
}

Request parse_request(const pugi::xml_node& rq) {
  struct Kind {
    std::string_view element;
    RqType type;
    EntityList list;
  };
  static constexpr Kind kKinds[] = {
      {"CustomerQueryRq", RqType::Query, EntityList::Customer},
      {"VendorQueryRq", RqType::Query, EntityList::Vendor},
      {"EmployeeQueryRq", RqType::Query, EntityList::Employee},
      {"OtherNameQueryRq", RqType::Query, EntityList::OtherName},
      {"CustomerAddRq", RqType::Add, EntityList::Customer},
      {"VendorAddRq", RqType::Add, EntityList::Vendor},
      {"CustomerModRq", RqType::Mod, EntityList::Customer},
      {"VendorModRq", RqType::Mod, EntityList::Vendor},
      {"HostQueryRq", RqType::HostQuery, EntityList::Customer},
      {"CompanyQueryRq", RqType::CompanyQuery, EntityList::Customer},
      {"PreferencesQueryRq", RqType::PreferencesQuery, EntityList::Customer},
  };
  Request request;
  request.element = rq.name();
  if (!request.element.ends_with("Rq")) refuse("<{}> is not a request", request.element);
  if (const auto id = rq.attribute("requestID")) request.request_id = id.value();
  const auto kind = std::find_if(std::begin(kKinds), std::end(kKinds),
                                 [&](const Kind& k) { return k.element == request.element; });
  if (kind == std::end(kKinds)) return request;  // RqType::Unsupported, answered with 1030
  request.type = kind->type;
  request.list = kind->list;
  switch (request.type) {
    case RqType::Query:
      parse_query(rq, request);
      break;
    case RqType::Add:
    case RqType::Mod: {
      const bool is_mod = request.type == RqType::Mod;
      const std::string body =
          request.element.substr(0, request.element.size() - 2);  // CustomerAdd
      parse_change(required_child(rq, body.c_str()), request, is_mod);
      parse_include(rq, request);
      break;
    }
    default:
      break;
  }
  return request;
}

// The version="M.m" of a <?qbxml version="13.0"?> processing instruction.
std::optional<std::pair<int, int>> qbxml_version(std::string_view pi_value) {
  const auto key = pi_value.find("version");
  if (key == std::string_view::npos) return std::nullopt;
  auto pos = pi_value.find_first_not_of(" \t\r\n", key + 7);
  if (pos == std::string_view::npos || pi_value[pos] != '=') return std::nullopt;
  pos = pi_value.find_first_not_of(" \t\r\n", pos + 1);
  if (pos == std::string_view::npos || (pi_value[pos] != '"' && pi_value[pos] != '\''))
    return std::nullopt;
  const auto close = pi_value.find(pi_value[pos], pos + 1);
  if (close == std::string_view::npos) return std::nullopt;
  const std::string_view version = pi_value.substr(pos + 1, close - pos - 1);
  int major = 0;
  int minor = 0;
  const char* const end = version.data() + version.size();
  auto [p, ec] = std::from_chars(version.data(), end, major);
  if (ec != std::errc() || p == end || *p != '.') return std::nullopt;
  auto [q, ec2] = std::from_chars(p + 1, end, minor);
  if (ec2 != std::errc() || q != end) return std::nullopt;
  return std::pair{major, minor};
}

MessageSet parse_document(std::string_view xml, int max_major, int max_minor) {
  pugi::xml_document doc;
  const unsigned options =
      pugi::parse_default | pugi::parse_pi | pugi::parse_declaration | pugi::parse_doctype;
  const auto parsed = doc.load_buffer(xml.data(), xml.size(), options, pugi::encoding_auto);
  if (!parsed) refuse("not well-formed XML at offset {}: {}", parsed.offset, parsed.description());

  std::optional<std::pair<int, int>> version;
  for (const auto& node : doc.children()) {
    if (node.type() == pugi::node_doctype) refuse("a DOCTYPE is not allowed");
    if (node.type() == pugi::node_pi && name_of(node) == "qbxml") {
      version = qbxml_version(node.value());
      if (!version) refuse("<?qbxml {}?> has no readable version", node.value());
    }
  }
  if (!version) refuse("no <?qbxml version=\"...\"?> processing instruction");
  if (*version > std::pair{max_major, max_minor}) {
    refuse("qbXML version {}.{} is above the {}.{} this QuickBooks supports", version->first,
           version->second, max_major, max_minor);
  }

  const auto root = doc.document_element();
  if (name_of(root) != "QBXML") refuse("the root element is <{}>, not <QBXML>", name_of(root));
  const auto msgs = root.child("QBXMLMsgsRq");
  if (!msgs) refuse("<QBXML> has no <QBXMLMsgsRq>");
  for (const auto& child : root.children()) {
    if (child.type() == pugi::node_element && child != msgs)
      refuse("unexpected <{}> in <QBXML>", name_of(child));
  }

  static constexpr std::pair<std::string_view, OnError> kOnError[] = {
      {"stopOnError", OnError::Stop},
      {"continueOnError", OnError::Continue},
      {"rollbackOnError", OnError::Rollback}};
  const auto on_error = msgs.attribute("onError");
  if (!on_error) refuse("<QBXMLMsgsRq> has no onError attribute");
  MessageSet set;
  set.on_error = parse_enum(on_error.value(), kOnError, "onError");
  for (const auto& rq : msgs.children()) {
    if (rq.type() == pugi::node_element) set.requests.push_back(parse_request(rq));
  }
  return set;
}

}  // namespace

std::string Request::rs_element() const { return element.substr(0, element.size() - 2) + "Rs"; }

ParseResult parse_request_document(std::string_view xml, int max_major, int max_minor) {
  try {
    return {parse_document(xml, max_major, max_minor), {}};
  } catch (const Refused& refused) {
    return {std::nullopt, refused.what()};
  }
}

std::optional<long long> parse_amount_cents(std::string_view text) {
  std::size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) negative = text[pos++] == '-';
  long long whole = 0;
  std::size_t digits = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && digits < 13) {
    whole = whole * 10 + (text[pos++] - '0');
    ++digits;
  }
  if (digits == 0) return std::nullopt;
  long long cents = 0;
  if (pos < text.size() && text[pos] == '.') {
    if (pos + 3 != text.size() || !std::isdigit(static_cast<unsigned char>(text[pos + 1])) ||
        !std::isdigit(static_cast<unsigned char>(text[pos + 2]))) {
      return std::nullopt;
    }
    cents = (text[pos + 1] - '0') * 10 + (text[pos + 2] - '0');
    pos += 3;
  }
  if (pos != text.size()) return std::nullopt;
  const long long total = whole * 100 + cents;
  return negative ? -total : total;
}

}  // namespace qblink::sim::qbxml
