#include "sim/envelope.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <memory>

namespace qblink::sim::envelope {
namespace {

constexpr std::string_view kSoap12Ns = "http://www.w3.org/2003/05/soap-envelope";
constexpr std::string_view kXsiNs = "http://www.w3.org/2001/XMLSchema-instance";

// Byte-exact prefix and suffix of every request body QBWC sends (CAP08 01-14, QBWS10).
constexpr std::string_view kHead = R"(<?xml version="1.0" encoding="utf-8"?><soap:Envelope)"
                                   R"( xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/")"
                                   R"( xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance")"
                                   R"( xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>)";
constexpr std::string_view kTail = "</soap:Body></soap:Envelope>";

// One request body: the method element in the Intuit default namespace, then its parameters.
class RequestWriter {
 public:
  explicit RequestWriter(Method method) : name_(method_name(method)) {
    out_.append(kHead).append("<").append(name_).append(R"( xmlns="http://developer.intuit.com/")");
  }
  RequestWriter& param(std::string_view name, std::string_view value) {
    if (!open_) {
      out_.append(">");
      open_ = true;
    }
    // .NET's XmlSerializer writes an empty string as a self-closing element with a space.
    if (value.empty()) {
      out_.append("<").append(name).append(" />");
    } else {
      out_.append("<").append(name).append(">").append(escape_text(value));
      out_.append("</").append(name).append(">");
    }
    return *this;
  }
  std::string finish() {
    if (open_) {
      out_.append("</").append(name_).append(">");
    } else {
      out_.append(" />");  // serverVersion: no parameters
    }
    out_.append(kTail);
    return std::move(out_);
  }

 private:
  std::string_view name_;
  std::string out_;
  bool open_ = false;
};

// --- answer parsing (libxml2: a conformant, namespace-aware parser, as .NET's XmlReader is) ---

struct DocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;
struct CtxtFree {
  void operator()(xmlParserCtxt* ctxt) const { xmlFreeParserCtxt(ctxt); }
};

std::string_view as_view(const xmlChar* s) {
  return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view();
}
std::string_view local_name(const xmlNode* node) { return as_view(node->name); }
std::string_view ns_of(const xmlNode* node) {
  return node->ns ? as_view(node->ns->href) : std::string_view();
}
bool is_element(const xmlNode* node, std::string_view name, std::string_view ns) {
  return node->type == XML_ELEMENT_NODE && local_name(node) == name && ns_of(node) == ns;
}
std::string describe(const xmlNode* node) {
  std::string out = "<" + std::string(local_name(node));
  out += ns_of(node).empty() ? std::string(" (no namespace)")
                             : " xmlns=\"" + std::string(ns_of(node)) + "\"";
  return out + ">";
}

bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_blank(std::string_view s) { return std::all_of(s.begin(), s.end(), is_xml_space); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_xml_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_xml_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The Web Connector's error number for a failed call, so messages read like its log (PG p.87-98).
std::string_view qbwc_code(Method method) {
  switch (method) {
    case Method::clientVersion:
      return "QBWC1036";
    case Method::authenticate:
      return "QBWC1012";
    case Method::sendRequestXML:
      return "QBWC1041";
    case Method::receiveResponseXML:
      return "QBWC1042";
    case Method::getLastError:
      return "QBWC1043";
    case Method::closeConnection:
      return "QBWC1044";
    case Method::connectionError:
      return "QBWC1045";
    case Method::serverVersion:
      break;
  }
  return {};
}

std::string fail_text(Method method, std::string_view what) {
  std::string out(method_name(method));
  if (auto code = qbwc_code(method); !code.empty()) out.append(" (").append(code).append(")");
  return out.append(": ").append(what);
}

// Walks element children, refusing stray text: .NET's reader fails on it in Envelope and Body.
// Returns the element children, or an error naming the parent.
Result<std::vector<const xmlNode*>> element_children(const xmlNode* parent) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c = parent->children; c; c = c->next) {
    switch (c->type) {
      case XML_ELEMENT_NODE:
        out.push_back(c);
        break;
      case XML_TEXT_NODE:
        if (!is_blank(as_view(c->content))) {
          return Result<std::vector<const xmlNode*>>::failure("text is not allowed directly in " +
                                                              describe(parent));
        }
        break;
      case XML_CDATA_SECTION_NODE:
        return Result<std::vector<const xmlNode*>>::failure("CDATA is not allowed directly in " +
                                                            describe(parent));
      default:
        break;  // comments and processing instructions are skipped, as .NET does
    }
  }
  return Result<std::vector<const xmlNode*>>::success(std::move(out));
}

bool is_nil(const xmlNode* node) {
  for (const xmlAttr* a = node->properties; a; a = a->next) {
    if (as_view(a->name) == "nil" && a->ns && as_view(a->ns->href) == kXsiNs) {
      const xmlChar* v = a->children ? a->children->content : nullptr;
      auto value = trim(as_view(v));
      return value == "true" || value == "1";
    }
  }
  return false;
}

// A simple-content element's text (XmlReader.ReadElementContentAsString): elements inside fail.
Result<std::string> text_of(const xmlNode* node) {
  std::string out;
  for (const xmlNode* c = node->children; c; c = c->next) {
    if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
      out.append(as_view(c->content));
    } else if (c->type == XML_ELEMENT_NODE) {
      return Result<std::string>::failure(describe(node) +
                                          " must hold text, but holds the element " + describe(c));
    }
  }
  return Result<std::string>::success(std::move(out));
}

std::string fault_text(const xmlNode* fault) {
  std::string code, reason;
  bool has_reason = false;
  for (const xmlNode* c = fault->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    auto t = text_of(c);
    if (!t) continue;
    if (local_name(c) == "faultcode") code = trim(t.value());
    if (local_name(c) == "faultstring") {
      reason = t.value();
      has_reason = true;
    }
  }
  std::string out = "the server answered a SOAP Fault: ";
  out += has_reason ? reason : "(no faultstring)";
  if (!code.empty()) out += " [faultcode " + code + "]";
  return out;
}

// The parsed answer and its <methodResult> element (owned by doc).
struct Opened {
  DocPtr doc;
  const xmlNode* result = nullptr;
};

// Everything the .NET client checks before XmlSerializer reads the result: HTTP status and
// content type, well-formed XML without a DTD, a SOAP 1.1 Envelope with an optional Header and a
// Body, a Fault, and the document/literal wrapper <methodResponse>/<methodResult> in the Intuit
// namespace.
Result<Opened> open_answer(Method method, const HttpAnswer& answer) {
  using R = Result<Opened>;
  auto fail = [method](std::string_view what) { return R::failure(fail_text(method, what)); };

  if (answer.status != 200 && answer.status != 500) {
    return fail("HTTP status " + std::to_string(answer.status) + " (expected 200)");
  }
  auto media = lower(trim(answer.content_type.substr(0, answer.content_type.find(';'))));
  if (media != "text/xml") {
    if (answer.status == 500) return fail("HTTP status 500 (expected 200)");
    return fail("content type '" + std::string(answer.content_type) +
                "' where text/xml was expected (SOAP 1.1)");
  }
  if (is_blank(answer.body)) return fail("the answer is empty");

  static const bool initialised = [] {
    xmlInitParser();
    return true;
  }();
  (void)initialised;
  std::unique_ptr<xmlParserCtxt, CtxtFree> ctxt(xmlNewParserCtxt());
  if (!ctxt) return fail("out of memory parsing the answer");
  // NONET: never fetch anything; NOERROR/NOWARNING: errors come back in the message, not stderr.
  DocPtr doc(xmlCtxtReadMemory(ctxt.get(), answer.body.data(), static_cast<int>(answer.body.size()),
                               nullptr, nullptr,
                               XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc || !ctxt->wellFormed || !ctxt->nsWellFormed) {
    const xmlError* err = xmlCtxtGetLastError(ctxt.get());
    std::string why = err && err->message ? std::string(trim(err->message)) : "parse error";
    if (err) why = "line " + std::to_string(err->line) + ": " + why;
    return fail("the answer is not well-formed XML (" + why + ")");
  }
  if (doc->intSubset || doc->extSubset) {
    return fail("the answer has a DTD, which SOAP messages must not have");
  }

  const xmlNode* env = xmlDocGetRootElement(doc.get());
  if (!env) return fail("the answer has no root element");
  if (local_name(env) == "Envelope" && ns_of(env) == kSoap12Ns) {
    return fail("the answer is a SOAP 1.2 envelope; the Web Connector speaks SOAP 1.1 only");
  }
  if (!is_element(env, "Envelope", kSoapEnvNs)) {
    return fail("the root element is " + describe(env) + ", not a SOAP 1.1 soap:Envelope");
  }

  auto env_children = element_children(env);
  if (!env_children) return fail(env_children.error());
  const xmlNode* body = nullptr;
  for (const xmlNode* c : env_children.value()) {
    if (!body && is_element(c, "Header", kSoapEnvNs) && c == env_children.value().front()) {
      for (const xmlNode* h = c->children; h; h = h->next) {
        if (h->type != XML_ELEMENT_NODE) continue;
        xmlChar* mu = xmlGetNsProp(h, BAD_CAST "mustUnderstand", BAD_CAST kSoapEnvNs.data());
        std::string value(trim(as_view(mu)));
        xmlFree(mu);
        if (value == "1" || value == "true") {
          return fail("SOAP header " + describe(h) + " has mustUnderstand and is not understood");
        }
      }
    } else if (!body && is_element(c, "Body", kSoapEnvNs)) {
      body = c;
    } else {
      return fail("unexpected element " + describe(c) + " in soap:Envelope");
    }
  }
  if (!body) return fail("soap:Envelope has no soap:Body");

  auto body_children = element_children(body);
  if (!body_children) return fail(body_children.error());
  if (body_children.value().empty()) return fail("soap:Body is empty");
  const xmlNode* wrapper = body_children.value().front();
  if (is_element(wrapper, "Fault", kSoapEnvNs)) return fail(fault_text(wrapper));
  if (body_children.value().size() > 1) {
    return fail("unexpected element " + describe(body_children.value()[1]) +
                " after the response in soap:Body");
  }
  if (answer.status == 500) return fail("HTTP status 500 without a SOAP Fault");

  const std::string response_name = std::string(method_name(method)) + "Response";
  const std::string result_name = std::string(method_name(method)) + "Result";
  if (!is_element(wrapper, response_name, kIntuitNs)) {
    return fail("expected <" + response_name + " xmlns=\"" + std::string(kIntuitNs) + "\">, got " +
                describe(wrapper));
  }
  auto wrapper_children = element_children(wrapper);
  if (!wrapper_children) return fail(wrapper_children.error());
  const xmlNode* result = nullptr;
  for (const xmlNode* c : wrapper_children.value()) {
    if (!is_element(c, result_name, kIntuitNs)) {
      std::string why = "unexpected element " + describe(c);
      why.append(" in <").append(response_name).append(">; expected <").append(result_name);
      why.append("> in namespace ").append(kIntuitNs);
      return fail(why);
    }
    if (result) return fail("<" + result_name + "> appears more than once");
    result = c;
  }
  if (!result) {
    return fail("<" + response_name + "> has no <" + result_name + "> in namespace " +
                std::string(kIntuitNs));
  }
  return R::success(Opened{std::move(doc), result});
}

}  // namespace

std::string_view method_name(Method method) {
  switch (method) {
    case Method::serverVersion:
      return "serverVersion";
    case Method::clientVersion:
      return "clientVersion";
    case Method::authenticate:
      return "authenticate";
    case Method::sendRequestXML:
      return "sendRequestXML";
    case Method::receiveResponseXML:
      return "receiveResponseXML";
    case Method::connectionError:
      return "connectionError";
    case Method::getLastError:
      return "getLastError";
    case Method::closeConnection:
      return "closeConnection";
  }
  return "unknown";
}

std::string soap_action(Method method) { return "\"" + soap_action_uri(method) + "\""; }

std::string soap_action_uri(Method method) {
  return std::string(kIntuitNs) + std::string(method_name(method));
}

std::string escape_text(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string server_version_request() { return RequestWriter(Method::serverVersion).finish(); }

std::string client_version_request(std::string_view version) {
  return RequestWriter(Method::clientVersion).param("strVersion", version).finish();
}

std::string authenticate_request(std::string_view user, std::string_view password) {
  return RequestWriter(Method::authenticate)
      .param("strUserName", user)
      .param("strPassword", password)
      .finish();
}

std::string send_request_xml_request(const SendRequestXml& p) {
  return RequestWriter(Method::sendRequestXML)
      .param("ticket", p.ticket)
      .param("strHCPResponse", p.hcp_response)
      .param("strCompanyFileName", p.company_file)
      .param("qbXMLCountry", p.country)
      .param("qbXMLMajorVers", std::to_string(p.qbxml_major))
      .param("qbXMLMinorVers", std::to_string(p.qbxml_minor))
      .finish();
}

std::string receive_response_xml_request(std::string_view ticket, std::string_view response,
                                         std::string_view hresult, std::string_view message) {
  return RequestWriter(Method::receiveResponseXML)
      .param("ticket", ticket)
      .param("response", response)
      .param("hresult", hresult)
      .param("message", message)
      .finish();
}

std::string connection_error_request(std::string_view ticket, std::string_view hresult,
                                     std::string_view message) {
  return RequestWriter(Method::connectionError)
      .param("ticket", ticket)
      .param("hresult", hresult)
      .param("message", message)
      .finish();
}

std::string get_last_error_request(std::string_view ticket) {
  return RequestWriter(Method::getLastError).param("ticket", ticket).finish();
}

std::string close_connection_request(std::string_view ticket) {
  return RequestWriter(Method::closeConnection).param("ticket", ticket).finish();
}

std::optional<int> parse_xsd_int(std::string_view text) {
  text = trim(text);
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty() ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  long long magnitude = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), magnitude);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  long long value = negative ? -magnitude : magnitude;
  if (value < INT_MIN || value > INT_MAX) return std::nullopt;
  return static_cast<int>(value);
}

Result<std::string> parse_string_answer(Method method, const HttpAnswer& answer) {
  auto opened = open_answer(method, answer);
  if (!opened) return Result<std::string>::failure(opened.error());
  const xmlNode* result = opened.value().result;
  if (is_nil(result)) return Result<std::string>::success("");  // null string: read as ""
  auto text = text_of(result);
  if (!text) return Result<std::string>::failure(fail_text(method, text.error()));
  return text;
}

Result<AuthenticateAnswer> parse_authenticate_answer(const HttpAnswer& answer) {
  using R = Result<AuthenticateAnswer>;
  constexpr Method kMethod = Method::authenticate;
  auto opened = open_answer(kMethod, answer);
  if (!opened) return R::failure(opened.error());
  const xmlNode* result = opened.value().result;
  if (is_nil(result)) return R::failure(fail_text(kMethod, "authenticateResult is nil"));
  auto items = element_children(result);
  if (!items) return R::failure(fail_text(kMethod, items.error()));

  AuthenticateAnswer out;
  for (const xmlNode* item : items.value()) {
    if (!is_element(item, "string", kIntuitNs)) {
      return R::failure(
          fail_text(kMethod, "unexpected element " + describe(item) +
                                 " in authenticateResult; expected <string> in namespace " +
                                 std::string(kIntuitNs)));
    }
    if (is_nil(item)) {
      out.strings.emplace_back();
      continue;
    }
    auto text = text_of(item);
    if (!text) return R::failure(fail_text(kMethod, text.error()));
    out.strings.push_back(std::move(text).value());
  }
  if (out.strings.size() < 2) {
    return R::failure(fail_text(
        kMethod,
        "authenticateResult has " + std::to_string(out.strings.size()) +
            " <string> element(s); at least 2 are needed (ticket, status), and an empty entry "
            "must be sent as <string/>, not dropped"));
  }
  // [2] postpone and [3] minimum run interval are seconds; QBWC reads them as numbers.
  auto seconds = [&](std::size_t index, std::optional<int>& into) -> std::optional<std::string> {
    if (out.strings.size() <= index || trim(out.strings[index]).empty()) return std::nullopt;
    auto value = parse_xsd_int(out.strings[index]);
    if (!value || *value < 0) {
      return "authenticateResult[" + std::to_string(index) + "] '" + out.strings[index] +
             "' is not a number of seconds";
    }
    into = value;
    return std::nullopt;
  };
  if (auto e = seconds(2, out.postpone_seconds)) return R::failure(fail_text(kMethod, *e));
  if (auto e = seconds(3, out.min_run_every_seconds)) return R::failure(fail_text(kMethod, *e));
  return R::success(std::move(out));
}

Result<int> parse_receive_response_xml_answer(const HttpAnswer& answer) {
  constexpr Method kMethod = Method::receiveResponseXML;
  auto opened = open_answer(kMethod, answer);
  if (!opened) return Result<int>::failure(opened.error());
  const xmlNode* result = opened.value().result;
  if (is_nil(result)) {
    return Result<int>::failure(
        fail_text(kMethod, "receiveResponseXMLResult is nil; an xsd:int is required"));
  }
  auto text = text_of(result);
  if (!text) return Result<int>::failure(fail_text(kMethod, text.error()));
  auto value = parse_xsd_int(text.value());
  if (!value) {
    return Result<int>::failure(
        fail_text(kMethod, "receiveResponseXMLResult '" + text.value() + "' is not an xsd:int"));
  }
  return Result<int>::success(*value);
}

}  // namespace qblink::sim::envelope
