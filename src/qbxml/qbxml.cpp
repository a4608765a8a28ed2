#include "qbxml/qbxml.h"

#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace qblink::qbxml {

namespace {

constexpr Version kMinimum{5, 0};
constexpr Version kMaximum{13, 0};
constexpr Version kIncludeRetElementSince{4, 0};  // OPS70 marks IncludeRetElement "v4.0"
constexpr Version kIteratorSince{5, 0};           // OSR: IQBENiteratorType 5.0

// ---------------------------------------------------------------------------------------------
// Text: UTF-8 clean-up, character counting, escaping.

// Length of the valid UTF-8 sequence at s[i] that encodes an XML 1.0 Char, or 0 when the bytes
// there are not one (bad lead or continuation byte, overlong form, surrogate, U+FFFE/U+FFFF).
std::size_t xml_char_length(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return (b0 >= 0x20 || b0 == '\t' || b0 == '\n' || b0 == '\r') ? 1 : 0;
  std::size_t len = 0;
  char32_t cp = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF) {
    return 0;
  }
  return len;
}

// Drops control characters XML 1.0 forbids and replaces invalid UTF-8 with U+FFFD, so whatever
// a caller passes cannot make the message set malformed (QuickBooks would reject all of it).
std::string sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    if (const std::size_t n = xml_char_length(s, i); n > 0) {
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    const auto b = static_cast<unsigned char>(s[i]);
    if (b >= 0x80) out += "\xEF\xBF\xBD";  // control characters (< 0x20) are simply dropped
    ++i;
  }
  return out;
}

// Code points in a sanitized (valid UTF-8) string: every byte that is not a continuation byte.
std::size_t char_count(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// The first `limit` code points of a sanitized string.
std::string_view first_chars(std::string_view s, std::size_t limit) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && chars++ == limit) {
      return s.substr(0, i);
    }
  }
  return s;
}

// Escapes for character data, and in attributes also '"' and the white space that
// attribute-value normalisation would turn into spaces.
void append_escaped(std::string& out, std::string_view s, bool attribute) {
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        continue;
      case '<':
        out += "&lt;";
        continue;
      case '>':
        out += "&gt;";  // only "]]>" needs it; escaping all is simpler to audit
        continue;
      default:
        break;
    }
    if (attribute) {
      switch (c) {
        case '"':
          out += "&quot;";
          continue;
        case '\t':
          out += "&#9;";
          continue;
        case '\n':
          out += "&#10;";
          continue;
        case '\r':
          out += "&#13;";
          continue;
        default:
          break;
      }
    }
    out += c;
  }
}

void append_escaped_text(std::string& out, std::string_view s) { append_escaped(out, s, false); }

void append_escaped_attribute(std::string& out, std::string_view s) {
  append_escaped(out, s, true);
}

// ---------------------------------------------------------------------------------------------
// Writing elements in the samples' layout: two spaces a level, one element a line.

void indent(std::string& out, int depth) { out.append(static_cast<std::size_t>(depth) * 2, ' '); }

void leaf(std::string& out, int depth, std::string_view name, std::string_view value) {
  indent(out, depth);
  out += '<';
  out += name;
  out += '>';
  append_escaped_text(out, sanitize(value));
  out += "</";
  out += name;
  out += ">\n";
}

void open(std::string& out, int depth, std::string_view name) {
  indent(out, depth);
  out += '<';
  out += name;
  out += ">\n";
}

void close(std::string& out, int depth, std::string_view name) {
  indent(out, depth);
  out += "</";
  out += name;
  out += ">\n";
}

void attribute(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  append_escaped_attribute(out, sanitize(value));
  out += '"';
}

// Writes <name attrs>children</name>, self-closed when there are no children.
void element_with_children(std::string& out, int depth, std::string_view name,
                           std::string_view attrs, std::string_view children) {
  indent(out, depth);
  out += '<';
  out += name;
  out += attrs;
  if (children.empty()) {
    out += "/>\n";
    return;
  }
  out += ">\n";
  out += children;
  close(out, depth, name);
}

// The Ret children qblink reads, in Ret order: identity first, then the contact fields that are
// evidence for matching (design rule 3). Each list's Ret has its own set (qbxml130.xsd): VendorRet,
// EmployeeRet and OtherNameRet have no FullName, ParentRef or Sublevel, EmployeeRet no CompanyName,
// and QuickBooks rejects an IncludeRetElement naming an element the Ret does not have.
constexpr std::array<std::string_view, 16> kCustomerRetFields = {
    "ListID",      "TimeCreated", "TimeModified", "EditSequence", "Name",      "FullName",
    "IsActive",    "ParentRef",   "Sublevel",     "CompanyName",  "FirstName", "LastName",
    "BillAddress", "Phone",       "AltPhone",     "Email"};
constexpr std::array<std::string_view, 13> kVendorRetFields = {
    "ListID",   "TimeCreated", "TimeModified", "EditSequence", "Name",
    "IsActive", "CompanyName", "FirstName",    "LastName",     "VendorAddress",
    "Phone",    "AltPhone",    "Email"};
constexpr std::array<std::string_view, 12> kEmployeeRetFields = {
    "ListID",    "TimeCreated", "TimeModified",    "EditSequence", "Name",     "IsActive",
    "FirstName", "LastName",    "EmployeeAddress", "Phone",        "AltPhone", "Email"};
constexpr std::array<std::string_view, 13> kOtherNameRetFields = {
    "ListID",   "TimeCreated", "TimeModified", "EditSequence", "Name",
    "IsActive", "CompanyName", "FirstName",    "LastName",     "OtherNameAddress",
    "Phone",    "AltPhone",    "Email"};

// An add asks back only the identity (the first fields of each list); queries ask the contact
// fields too.
void include_ret_elements(std::string& out, int depth, ListKind kind, bool with_contact) {
  auto emit = [&](const auto& fields) {
    const std::size_t identity = kind == ListKind::Customer ? 9 : 6;
    const std::size_t n = with_contact ? fields.size() : identity;
    for (std::size_t i = 0; i < n; ++i) leaf(out, depth, "IncludeRetElement", fields[i]);
  };
  switch (kind) {
    case ListKind::Customer:
      return emit(kCustomerRetFields);
    case ListKind::Vendor:
      return emit(kVendorRetFields);
    case ListKind::Employee:
      return emit(kEmployeeRetFields);
    case ListKind::OtherName:
      return emit(kOtherNameRetFields);
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing helpers.

// Only what qbXML responses need: entity and character references (QuickBooks writes non-ASCII
// as &#233;) and CDATA. No EOL or attribute whitespace normalisation, no PIs or comments.
// PCDATA is embedded in its element, which halves the node count (child_value() still works).
constexpr unsigned kParseFlags = pugi::parse_escapes | pugi::parse_cdata | pugi::parse_embed_pcdata;

// Loads `xml` and returns its QBXMLMsgsRs element, or an empty node with `error` set.
pugi::xml_node load_msgs_rs(pugi::xml_document& doc, std::string_view xml, std::string& error) {
  if (xml.empty()) {
    error = "empty qbXML document";
    return {};
  }
  // encoding_auto: UTF-8 normally; honours a BOM or an ISO-8859-1 declaration if one ever comes.
  const pugi::xml_parse_result parsed =
      doc.load_buffer(xml.data(), xml.size(), kParseFlags, pugi::encoding_auto);
  if (!parsed) {
    error = std::string("qbXML is not well-formed: ") + parsed.description() + " at offset " +
            std::to_string(parsed.offset);
    return {};
  }
  const pugi::xml_node root = doc.document_element();
  if (std::strcmp(root.name(), "QBXML") != 0) {
    error = std::string("root element is <") + root.name() + ">, expected <QBXML>";
    return {};
  }
  const pugi::xml_node msgs = root.child("QBXMLMsgsRs");
  if (!msgs) error = "<QBXML> has no <QBXMLMsgsRs>";
  return msgs;
}

template <typename Int>
bool parse_int(std::string_view text, Int& value) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(first, last, value);
  return ec == std::errc() && ptr == last && first != last;
}

bool equals(const char* a, std::string_view b) {
  return std::strncmp(a, b.data(), b.size()) == 0 && a[b.size()] == '\0';
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) {
             return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

// statusCode and statusSeverity are required by the schema and our callers branch on them, so
// their absence means the document is not a QuickBooks response we can trust.
bool read_status(pugi::xml_node rs, Status& status, std::string& error) {
  const pugi::xml_attribute code = rs.attribute("statusCode");
  const pugi::xml_attribute severity = rs.attribute("statusSeverity");
  if (!code || !parse_int(code.value(), status.code)) {
    error =
        std::string("<") + rs.name() + "> has " + (code ? "a non-numeric" : "no") + " statusCode";
    return false;
  }
  if (!severity || *severity.value() == '\0') {
    error = std::string("<") + rs.name() + "> has no statusSeverity";
    return false;
  }
  status.severity = severity.value();
  status.message = rs.attribute("statusMessage").value();
  return true;
}

// Recognises <Kind><Query|Add>Rs exactly (so CustomerTypeQueryRs is not a customer response).
bool classify(std::string_view element, ListKind& kind, bool& is_add) {
  static constexpr std::array<ListKind, 4> kKinds = {ListKind::Customer, ListKind::Vendor,
                                                     ListKind::Employee, ListKind::OtherName};
  for (const ListKind k : kKinds) {
    const std::string_view prefix = list_element(k);
    if (!element.starts_with(prefix)) continue;
    const std::string_view rest = element.substr(prefix.size());
    if (rest == "QueryRs" || rest == "AddRs") {
      kind = k;
      is_add = rest == "AddRs";
      return true;
    }
  }
  return false;
}

// Fills `rec` from a *Ret element. One pass over its children, dispatching on the first letter
// so a full CustomerRet (~40 children) costs a handful of comparisons per child.
bool read_record(pugi::xml_node ret, ListKind kind, ListRecord& rec, std::string& error) {
  rec.kind = kind;
  std::string parent_full_name;
  bool has_parent = false;
  bool has_full_name = false;
  for (pugi::xml_node c = ret.first_child(); c; c = c.next_sibling()) {
    const char* n = c.name();
    switch (n[0]) {
      case 'L':
        if (equals(n, "ListID")) {
          rec.list_id = c.child_value();
        } else if (equals(n, "LastName")) {
          rec.last_name = c.child_value();
        }
        break;
      case 'C':
        if (equals(n, "CompanyName")) rec.company_name = c.child_value();
        break;
      case 'A':
        if (equals(n, "AltPhone")) rec.alt_phone = c.child_value();
        break;
      case 'B':
      case 'V':
      case 'O':
        if (equals(n, "BillAddress") || equals(n, "VendorAddress") ||
            equals(n, "OtherNameAddress")) {
          rec.addr1 = c.child("Addr1").child_value();
          rec.postal_code = c.child("PostalCode").child_value();
        }
        break;
      case 'T':
        if (equals(n, "TimeModified")) {
          rec.time_modified = c.child_value();
        } else if (equals(n, "TimeCreated")) {
          rec.time_created = c.child_value();
        }
        break;
      case 'E':
        if (equals(n, "EditSequence")) {
          rec.edit_sequence = c.child_value();
        } else if (equals(n, "Email")) {
          rec.email = c.child_value();
        } else if (equals(n, "EmployeeAddress")) {
          rec.addr1 = c.child("Addr1").child_value();
          rec.postal_code = c.child("PostalCode").child_value();
        }
        break;
      case 'N':
        if (equals(n, "Name")) rec.name = c.child_value();
        break;
      case 'F':
        if (kind == ListKind::Customer && equals(n, "FullName")) {
          rec.full_name = c.child_value();
          has_full_name = true;
        } else if (equals(n, "FirstName")) {
          rec.first_name = c.child_value();
        }
        break;
      case 'I':
        if (equals(n, "IsActive")) {
          const std::string_view v = c.child_value();
          if (v != "true" && v != "false") {
            error = "IsActive \"" + std::string(v) + "\" in " + ret.name() + " " + rec.list_id;
            return false;
          }
          rec.is_active = v == "true";
        }
        break;
      case 'P':
        if (equals(n, "Phone")) {
          rec.phone = c.child_value();
        } else if (kind == ListKind::Customer && equals(n, "ParentRef")) {
          has_parent = true;
          rec.parent_list_id = c.child("ListID").child_value();
          parent_full_name = c.child("FullName").child_value();
        }
        break;
      case 'S':
        if (kind == ListKind::Customer && equals(n, "Sublevel") &&
            !parse_int(std::string_view(c.child_value()), rec.sublevel)) {
          error = "Sublevel \"" + std::string(c.child_value()) + "\" in " + ret.name() + " " +
                  rec.list_id;
          return false;
        }
        break;
      default:
        break;
    }
  }
  if (kind != ListKind::Customer) {
    rec.full_name = rec.name;  // flat lists: the name is the full name
  } else if (!has_full_name) {
    // Only when a caller left FullName out of IncludeRetElement: rebuild it the way QuickBooks
    // does.
    if (!has_parent) {
      rec.full_name = rec.name;
    } else if (!parent_full_name.empty()) {
      rec.full_name = parent_full_name + ":" + rec.name;
    }
  }
  return true;
}

}  // namespace

// -----------------------------------------------------------------------------------------------
// Versions

std::string_view list_element(ListKind kind) {
  switch (kind) {
    case ListKind::Customer:
      return "Customer";
    case ListKind::Vendor:
      return "Vendor";
    case ListKind::Employee:
      return "Employee";
    case ListKind::OtherName:
      return "OtherName";
  }
  return "Customer";
}

std::optional<Version> parse_version(std::string_view text) {
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  Version v;
  if (!parse_int(text.substr(0, dot), v.major) || !parse_int(text.substr(dot + 1), v.minor) ||
      v.major < 0 || v.minor < 0) {
    return std::nullopt;
  }
  return v;
}

std::string to_string(Version version) {
  return std::to_string(version.major) + "." + std::to_string(version.minor);
}

Version minimum_supported_version() { return kMinimum; }
Version maximum_supported_version() { return kMaximum; }

std::optional<Version> choose_version(const std::vector<Version>& qbwc_supported,
                                      Version reported) {
  const Version ceiling = std::min(reported, kMaximum);
  if (qbwc_supported.empty()) {
    if (ceiling < kMinimum) return std::nullopt;
    return ceiling;
  }
  std::optional<Version> best;
  for (const Version v : qbwc_supported) {
    if (v >= kMinimum && v <= ceiling && (!best || v > *best)) best = v;
  }
  return best;
}

bool can_page(ListKind kind, Version version) {
  return (kind == ListKind::Customer || kind == ListKind::Vendor) && version >= kIteratorSince;
}

// -----------------------------------------------------------------------------------------------
// MessageSetBuilder

MessageSetBuilder::MessageSetBuilder(Version version, OnError on_error)
    : version_(version), on_error_(on_error) {}

std::string MessageSetBuilder::next_request_id(const std::string& wanted) {
  ++count_;
  return wanted.empty() ? std::to_string(count_) : wanted;
}

void MessageSetBuilder::add(const ListQuery& query) {
  const bool by_id = !query.list_ids.empty();
  const bool by_name = !query.full_names.empty();
  if (by_id && by_name) {
    throw std::invalid_argument("a list query takes ListIDs or FullNames, not both");
  }
  if (query.iterator != Iterator::None) {
    if (by_id || by_name) throw std::invalid_argument("an iterator needs a filtered query");
    if (!can_page(query.kind, version_)) {
      throw std::invalid_argument(std::string(list_element(query.kind)) +
                                  "QueryRq has no iterator attribute in qbXML " +
                                  to_string(version_) + " (see can_page)");
    }
  }
  if (query.iterator == Iterator::Continue && query.iterator_id.empty()) {
    throw std::invalid_argument("iterator=Continue needs the iteratorID of the Start response");
  }
  if (query.max_returned < 0) throw std::invalid_argument("MaxReturned must be positive");

  const std::string element = std::string(list_element(query.kind)) + "QueryRq";
  std::string attrs;
  attribute(attrs, "requestID", next_request_id(query.request_id));
  if (query.iterator != Iterator::None) {
    attribute(attrs, "iterator", query.iterator == Iterator::Start ? "Start" : "Continue");
    if (query.iterator == Iterator::Continue) attribute(attrs, "iteratorID", query.iterator_id);
  }

  // The schema's choice: ListID+ | FullName+ | the ListFilter group, then IncludeRetElement*.
  constexpr int kDepth = 3;
  std::string children;
  if (by_id) {
    for (const auto& id : query.list_ids) leaf(children, kDepth, "ListID", id);
  } else if (by_name) {
    for (const auto& name : query.full_names) leaf(children, kDepth, "FullName", name);
  } else {
    if (query.max_returned > 0) {
      leaf(children, kDepth, "MaxReturned", std::to_string(query.max_returned));
    }
    if (query.active_status_all) leaf(children, kDepth, "ActiveStatus", "All");
    if (query.from_modified_date && !query.from_modified_date->empty()) {
      leaf(children, kDepth, "FromModifiedDate", *query.from_modified_date);
    }
  }
  if (query.names_only && version_ >= kIncludeRetElementSince) {
    include_ret_elements(children, kDepth, query.kind, true);
  }
  element_with_children(body_, 2, element, attrs, children);
}

void MessageSetBuilder::add(const AddRequest& request, std::vector<Shortened>* shortened) {
  const bool customer = request.kind == ListKind::Customer;
  if (!customer && request.kind != ListKind::Vendor) {
    throw std::invalid_argument("only CustomerAdd and VendorAdd are built");
  }
  const AddFields& f = request.fields;
  if (f.name.empty()) throw std::invalid_argument("an add needs a Name");
  if (!customer && !f.parent_full_name.empty()) {
    throw std::invalid_argument("vendors have no parent (VendorAdd has no ParentRef)");
  }
  const std::string id = next_request_id(request.request_id);
  const std::string_view kind = list_element(request.kind);

  // Writes an optional field cut to its XSD maxLength (element-order/*Add.txt), counting
  // characters; an over-long value would make QuickBooks reject the whole message set.
  const auto field = [&](std::string& out, int depth, std::string_view path,
                         std::string_view element, const std::string& value, std::size_t limit) {
    if (value.empty()) return;
    const std::string clean = sanitize(value);
    const std::size_t length = char_count(clean);
    if (length > limit) {
      if (shortened) shortened->push_back({id, std::string(path), length, limit});
      leaf(out, depth, element, first_chars(clean, limit));
    } else {
      leaf(out, depth, element, clean);
    }
  };

  constexpr int kDepth = 4;
  std::string add;
  leaf(add, kDepth, "Name", f.name);  // never shortened: reconcile guarantees a legal name
  if (customer && !f.parent_full_name.empty()) {
    // A reference, so never shortened either: a cut name would point at another customer.
    open(add, kDepth, "ParentRef");
    leaf(add, kDepth + 1, "FullName", f.parent_full_name);
    close(add, kDepth, "ParentRef");
  }
  field(add, kDepth, "CompanyName", "CompanyName", f.company_name, 41);
  field(add, kDepth, "FirstName", "FirstName", f.first_name, 25);
  field(add, kDepth, "LastName", "LastName", f.last_name, 25);

  const std::string address = customer ? "BillAddress" : "VendorAddress";
  std::string addr;
  field(addr, kDepth + 1, address + "/Addr1", "Addr1", f.addr1, 41);
  field(addr, kDepth + 1, address + "/Addr2", "Addr2", f.addr2, 41);
  field(addr, kDepth + 1, address + "/City", "City", f.city, 31);
  field(addr, kDepth + 1, address + "/State", "State", f.state, 21);
  field(addr, kDepth + 1, address + "/PostalCode", "PostalCode", f.postal_code, 13);
  field(addr, kDepth + 1, address + "/Country", "Country", f.country, 31);
  if (!addr.empty()) {
    open(add, kDepth, address);
    add += addr;
    close(add, kDepth, address);
  }
  field(add, kDepth, "Phone", "Phone", f.phone, 21);
  field(add, kDepth, "Email", "Email", f.email, 1023);

  std::string children;
  open(children, 3, std::string(kind) + "Add");
  children += add;
  close(children, 3, std::string(kind) + "Add");
  if (version_ >= kIncludeRetElementSince) include_ret_elements(children, 3, request.kind, false);

  std::string attrs;
  attribute(attrs, "requestID", id);
  element_with_children(body_, 2, std::string(kind) + "AddRq", attrs, children);
}

bool MessageSetBuilder::empty() const { return body_.empty(); }

std::string MessageSetBuilder::finish() const {
  std::string out;
  out.reserve(body_.size() + 160);
  out += "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<?qbxml version=\"";
  out += to_string(version_);
  out += "\"?>\n<QBXML>\n  <QBXMLMsgsRq onError=\"";
  out += on_error_ == OnError::StopOnError ? "stopOnError" : "continueOnError";
  out += "\">\n";
  out += body_;
  out += "  </QBXMLMsgsRq>\n</QBXML>\n";
  return out;
}

// -----------------------------------------------------------------------------------------------
// Parsers

ParsedResponse parse_response(std::string_view xml) {
  ParsedResponse out;
  pugi::xml_document doc;
  const pugi::xml_node msgs = load_msgs_rs(doc, xml, out.error);
  if (!msgs) return out;

  for (pugi::xml_node rs = msgs.first_child(); rs; rs = rs.next_sibling()) {
    if (rs.type() != pugi::node_element) continue;
    ResponseItem item;
    item.element = rs.name();
    if (!read_status(rs, item.status, out.error)) {
      out.items.clear();
      return out;
    }
    item.request_id = rs.attribute("requestID").value();
    item.iterator_id = rs.attribute("iteratorID").value();
    if (const pugi::xml_attribute remaining = rs.attribute("iteratorRemainingCount")) {
      if (!parse_int(std::string_view(remaining.value()), item.iterator_remaining) ||
          item.iterator_remaining < 0) {
        out.error =
            "<" + item.element + "> has a bad iteratorRemainingCount \"" + remaining.value() + "\"";
        out.items.clear();
        return out;
      }
    }
    item.is_list = classify(item.element, item.kind, item.is_add);
    if (item.is_list) {
      const std::string ret = std::string(list_element(item.kind)) + "Ret";
      for (pugi::xml_node r = rs.child(ret.c_str()); r; r = r.next_sibling(ret.c_str())) {
        ListRecord& rec = item.records.emplace_back();
        if (!read_record(r, item.kind, rec, out.error)) {
          out.error = "<" + item.element + ">: " + out.error;
          out.items.clear();
          return out;
        }
      }
    }
    out.items.push_back(std::move(item));
  }
  out.ok = true;
  return out;
}

HostInfo parse_hcp_response(std::string_view xml, std::string_view owner_id) {
  HostInfo info;
  pugi::xml_document doc;
  const pugi::xml_node msgs = load_msgs_rs(doc, xml, info.error);
  if (!msgs) return info;

  const pugi::xml_node host_rs = msgs.child("HostQueryRs");
  if (!host_rs) {
    info.error = "the HCP response has no <HostQueryRs>";
    return info;
  }
  Status status;
  if (!read_status(host_rs, status, info.error)) return info;
  if (status.code != 0) {
    info.error = "HostQuery failed: " + std::to_string(status.code) + " " + status.message;
    return info;
  }
  const pugi::xml_node host = host_rs.child("HostRet");
  if (!host) {
    info.error = "<HostQueryRs> has no <HostRet>";
    return info;
  }
  info.product_name = host.child("ProductName").child_value();
  info.country = host.child("Country").child_value();
  for (pugi::xml_node v = host.child("SupportedQBXMLVersion"); v;
       v = v.next_sibling("SupportedQBXMLVersion")) {
    if (const auto version = parse_version(v.child_value())) {
      info.supported_versions.push_back(*version);
    }
  }

  // QBWC always sends CompanyQueryRs too, but nothing here depends on it being there.
  const pugi::xml_node company = msgs.child("CompanyQueryRs").child("CompanyRet");
  info.company_name = company.child("CompanyName").child_value();
  for (pugi::xml_node ext = company.child("DataExtRet"); ext;
       ext = ext.next_sibling("DataExtRet")) {
    if (equals(ext.child("DataExtName").child_value(), "FileID") &&
        iequals_ascii(ext.child("OwnerID").child_value(), owner_id)) {
      info.file_id = ext.child("DataExtValue").child_value();
      break;
    }
  }
  info.ok = true;
  return info;
}

// -----------------------------------------------------------------------------------------------
// Date-times

std::string datetime_minus_seconds(std::string_view text, long seconds) {
  std::size_t pos = 0;
  // Reads between min_digits and max_digits decimal digits.
  const auto number = [&](std::size_t min_digits, std::size_t max_digits, int& value) {
    std::size_t n = 0;
    value = 0;
    while (pos < text.size() && n < max_digits && text[pos] >= '0' && text[pos] <= '9') {
      value = value * 10 + (text[pos++] - '0');
      ++n;
    }
    return n >= min_digits;
  };
  const auto literal = [&](char c) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  };

  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!number(4, 4, year) || !literal('-') || !number(1, 2, month) || !literal('-') ||
      !number(1, 2, day)) {
    return {};
  }
  std::string_view offset;
  if (literal('T')) {
    if (!number(1, 2, hour)) return {};
    if (literal(':')) {
      if (!number(1, 2, minute)) return {};
      if (literal(':')) {
        if (!number(1, 2, second)) return {};
        if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
          const std::size_t start = pos++;
          int oh = 0, om = 0;
          if (!number(1, 2, oh) || !literal(':') || !number(1, 2, om) || oh > 14 || om > 59) {
            return {};
          }
          offset = text.substr(start);
        }
      }
    }
  }
  if (pos != text.size() || hour > 23 || minute > 59 || second > 59) return {};

  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year{year}, std::chrono::month{unsigned(month)},
                           std::chrono::day{unsigned(day)}};
  if (!ymd.ok()) return {};
  const sys_seconds wall = sys_days{ymd} + hours{hour} + minutes{minute} +
                           std::chrono::seconds{second} - std::chrono::seconds{seconds};
  const sys_days date = floor<days>(wall);
  const year_month_day out{date};
  const hh_mm_ss<std::chrono::seconds> time{wall - date};
  const int out_year = int(out.year());
  if (out_year < 0 || out_year > 9999) return {};

  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", out_year, unsigned(out.month()),
                unsigned(out.day()), int(time.hours().count()), int(time.minutes().count()),
                int(time.seconds().count()));
  return std::string(buf) + std::string(offset);
}

std::string escape_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_escaped_text(out, text);
  return out;
}

}  // namespace qblink::qbxml
