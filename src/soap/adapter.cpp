#include "soap/adapter.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <optional>
#include <pugixml.hpp>

#include "reconcile/reconcile.h"
#include "soapQBWebConnectorSvcSoapService.h"
#include "sync/service.h"

namespace qblink::soap {
namespace {

std::string str(const std::string* p) { return p ? *p : std::string(); }

// The generated service with each operation forwarded to sync::Service.
// One per thread, reused call after call (see context() below); `service_` and `client_` are set
// for each call.
class Adapter final : public QBWebConnectorSvcSoapService {
 public:
  explicit Adapter(soap_mode mode) : QBWebConnectorSvcSoapService(mode, mode) {}

  void attach(sync::Service& service, std::string_view client) {
    service_ = &service;
    client_.assign(client);
  }

  // Not used (we never accept sockets), but the generated copy() would share the context.
  QBWebConnectorSvcSoapService* copy() override { return nullptr; }

  int serverVersion(_qbw__serverVersion*, _qbw__serverVersionResponse& rs) override {
    rs.serverVersionResult = out(service_->server_version());
    return SOAP_OK;
  }
  int getServerVersion(_qbw__getServerVersion*, _qbw__getServerVersionResponse& rs) override {
    rs.getServerVersionResult = out(service_->server_version());
    return SOAP_OK;
  }
  int clientVersion(_qbw__clientVersion* rq, _qbw__clientVersionResponse& rs) override {
    rs.clientVersionResult = out(service_->client_version(str(rq->strVersion)));
    return SOAP_OK;
  }
  int authenticate(_qbw__authenticate* rq, _qbw__authenticateResponse& rs) override {
    rs.authenticateResult = soap_new_qbw__ArrayOfString(soap);
    rs.authenticateResult->string =
        service_->authenticate(str(rq->strUserName), str(rq->strPassword), client_);
    return SOAP_OK;
  }
  int sendRequestXML(_qbw__sendRequestXML* rq, _qbw__sendRequestXMLResponse& rs) override {
    sync::SendRequestArgs a;
    a.ticket = str(rq->ticket);
    a.hcp_response = str(rq->strHCPResponse);
    a.company_file_name = str(rq->strCompanyFileName);
    a.country = str(rq->qbXMLCountry);
    a.qbxml_major = rq->qbXMLMajorVers;
    a.qbxml_minor = rq->qbXMLMinorVers;
    rs.sendRequestXMLResult = out(service_->send_request_xml(a));
    return SOAP_OK;
  }
  int receiveResponseXML(_qbw__receiveResponseXML* rq,
                         _qbw__receiveResponseXMLResponse& rs) override {
    sync::ReceiveResponseArgs a;
    a.ticket = str(rq->ticket);
    // The qbXML can be tens of MB: move it out (the context frees only the empty shell).
    if (rq->response) a.response = std::move(*rq->response);
    a.hresult = str(rq->hresult);
    a.message = str(rq->message);
    if (captured_) {
      *captured_ = std::move(a);
      return SOAP_OK;
    }
    rs.receiveResponseXMLResult = service_->receive_response_xml(a);
    return SOAP_OK;
  }
  int connectionError(_qbw__connectionError* rq, _qbw__connectionErrorResponse& rs) override {
    rs.connectionErrorResult =
        out(service_->connection_error(str(rq->ticket), str(rq->hresult), str(rq->message)));
    return SOAP_OK;
  }
  int getLastError(_qbw__getLastError* rq, _qbw__getLastErrorResponse& rs) override {
    rs.getLastErrorResult = out(service_->get_last_error(str(rq->ticket)));
    return SOAP_OK;
  }
  int closeConnection(_qbw__closeConnection* rq, _qbw__closeConnectionResponse& rs) override {
    rs.closeConnectionResult = out(service_->close_connection(str(rq->ticket)));
    return SOAP_OK;
  }
  int getInteractiveURL(_qbw__getInteractiveURL* rq, _qbw__getInteractiveURLResponse& rs) override {
    rs.getInteractiveURLResult =
        out(service_->get_interactive_url(str(rq->wcTicket), str(rq->sessionID)));
    return SOAP_OK;
  }
  int interactiveDone(_qbw__interactiveDone* rq, _qbw__interactiveDoneResponse& rs) override {
    rs.interactiveDoneResult = out(service_->interactive_done(str(rq->wcTicket)));
    return SOAP_OK;
  }
  int interactiveRejected(_qbw__interactiveRejected* rq,
                          _qbw__interactiveRejectedResponse& rs) override {
    rs.interactiveRejectedResult =
        out(service_->interactive_rejected(str(rq->wcTicket), str(rq->reason)));
    return SOAP_OK;
  }

 private:
  // Allocated in the context: freed by destroy() after the answer is written.
  std::string* out(std::string value) {
    auto* p = soap_new_std__string(soap);
    *p = std::move(value);
    return p;
  }

  sync::Service* service_ = nullptr;
  std::string client_;

 public:
  // Set only by gsoap_receive_args: receiveResponseXML's arguments are kept, not served.
  std::optional<sync::ReceiveResponseArgs>* captured_ = nullptr;
};

bool has_doctype(std::string_view body) {
  // gSOAP accepts a DOCTYPE without expanding it, so refuse it here. "<!" is rare (comments,
  // CDATA), so find it fast and compare the rest without regard to case.
  static constexpr std::string_view kDoctype = "doctype";
  for (auto pos = body.find("<!"); pos != std::string_view::npos; pos = body.find("<!", pos + 2)) {
    const auto word = body.substr(pos + 2, kDoctype.size());
    if (word.size() == kDoctype.size() &&
        std::equal(word.begin(), word.end(), kDoctype.begin(),
                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; }))
      return true;
  }
  return false;
}

// One linear pass over the bytes, before gSOAP sees them: gSOAP's attribute handling is
// quadratic (100,000 attributes on one element kept a worker busy for minutes) and its nesting
// is bounded only at 10,000 levels. Counts start tags, attributes ('=' outside quotes) and open
// elements; comments, CDATA, processing instructions and declarations are skipped. A document
// malformed in a way this pass cannot follow is left to the parsers, which refuse it.
std::optional<std::string> exceeds_limits(std::string_view b, const XmlLimits& limits) {
  std::size_t depth = 0, elements = 0, attributes = 0;
  const auto skip_to = [&](std::size_t from, std::string_view end) {
    const auto e = b.find(end, from);
    return e == std::string_view::npos ? e : e + end.size();
  };
  for (std::size_t i = b.find('<'); i != std::string_view::npos; i = b.find('<', i)) {
    const auto rest = b.substr(i);
    if (rest.starts_with("<!--")) {
      i = skip_to(i + 4, "-->");
    } else if (rest.starts_with("<![CDATA[")) {
      i = skip_to(i + 9, "]]>");
    } else if (rest.starts_with("<?")) {
      i = skip_to(i + 2, "?>");
    } else if (rest.starts_with("<!")) {
      i = skip_to(i + 2, ">");
    } else if (rest.starts_with("</")) {
      if (depth > 0) --depth;
      i = skip_to(i + 2, ">");
    } else {
      if (++elements > limits.max_elements)
        return "more than " + std::to_string(limits.max_elements) + " elements";
      std::size_t here = 0;
      char quote = 0;
      std::size_t j = i + 1;
      for (; j < b.size(); ++j) {
        const char c = b[j];
        if (quote) {
          if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
          quote = c;
        } else if (c == '=') {
          if (++here > limits.max_attributes)
            return "more than " + std::to_string(limits.max_attributes) +
                   " attributes on one element";
          if (++attributes > limits.max_total_attributes)
            return "more than " + std::to_string(limits.max_total_attributes) + " attributes";
        } else if (c == '>') {
          break;
        }
      }
      if (j == b.size()) return std::nullopt;  // unterminated tag: the parser says so
      if (b[j - 1] != '/' && ++depth > limits.max_depth)
        return "elements nested deeper than " + std::to_string(limits.max_depth) + " levels";
      i = j + 1;
    }
    if (i == std::string_view::npos) break;
  }
  return std::nullopt;
}

// gSOAP reads the body straight from the caller's buffer and writes into one string: no
// stream copies of a body that can be tens of MB.
struct Io {
  std::string_view in;
  std::string out;
};

size_t read_body(struct soap* soap, char* buf, size_t len) {
  auto& io = *static_cast<Io*>(soap->user);
  const auto n = std::min(len, io.in.size());
  std::memcpy(buf, io.in.data(), n);
  io.in.remove_prefix(n);
  return n;
}

int write_answer(struct soap* soap, const char* buf, size_t len) {
  static_cast<Io*>(soap->user)->out.append(buf, len);
  return SOAP_OK;
}

bool starts_like_xml(std::string_view body) {
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  const auto pos = body.find_first_not_of(" \t\r\n");
  return pos != std::string_view::npos && body[pos] == '<';
}

SoapResult plain(unsigned status, std::string text) {
  return {status, "text/plain; charset=utf-8", std::move(text) + "\n"};
}

// --- serverVersion and clientVersion without gSOAP -------------------------------------------
// The Web Connector calls both at the start of every run (and a monitor may poll serverVersion).
// gSOAP's per-call work (context state, id tables, the envelope machinery) was a quarter of
// such a call's CPU (issue 13), so the two are read with pugixml when the envelope has exactly
// the shape QBWC sends: Envelope/Body/one method element in Intuit's namespace, at most a
// strVersion of plain version characters. Anything else goes to gSOAP as before. The answer is
// byte for byte what gSOAP writes (tests/soap/adapter_test.cpp compares both).

constexpr std::string_view kSoapEnvNs = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr std::string_view kIntuitNs = "http://developer.intuit.com/";

// The namespace URI of an element's name, from the xmlns declarations on it and its ancestors.
std::string_view namespace_of(pugi::xml_node node) {
  const std::string_view name = node.name();
  const auto colon = name.find(':');
  const std::string attr = colon == std::string_view::npos
                               ? std::string("xmlns")
                               : "xmlns:" + std::string(name.substr(0, colon));
  for (auto n = node; n; n = n.parent())
    if (const auto a = n.attribute(attr.c_str())) return a.value();
  return {};
}

std::string_view local_name(pugi::xml_node node) {
  const std::string_view name = node.name();
  const auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// The one element child of `node`; false when it has another element, or text besides spaces.
bool only_child(pugi::xml_node node, pugi::xml_node& child) {
  child = {};
  for (auto c : node.children()) {
    if (c.type() == pugi::node_element) {
      if (child) return false;
      child = c;
    } else if (c.type() != pugi::node_comment) {
      return false;  // text (pugixml drops whitespace-only text), CDATA, processing instructions
    }
  }
  return static_cast<bool>(child);
}

bool plain_version_text(std::string_view text) {
  return text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '.';
         });
}

// The answer to `method` whose result element holds `text` (plain ASCII), byte for byte as
// gSOAP writes it.
SoapResult answer_envelope(std::string_view method, std::string_view text) {
  const std::string element = "qbw:" + std::string(method) + "Result";
  SoapResult r;
  r.body.reserve(512 + text.size());
  r.body.append(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SOAP-ENV:Envelope "
      "xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\" "
      "xmlns:SOAP-ENC=\"http://schemas.xmlsoap.org/soap/encoding/\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
      "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
      "xmlns:qbw=\"http://developer.intuit.com/\"><SOAP-ENV:Body><qbw:");
  r.body.append(method).append("Response><").append(element);
  if (text.empty()) {
    r.body.append("/>");
  } else {
    r.body.append(">");
    for (const char c : text) {
      if (c == '&')
        r.body.append("&amp;");
      else if (c == '<')
        r.body.append("&lt;");
      else if (c == '>')
        r.body.append("&gt;");
      else
        r.body.push_back(c);
    }
    r.body.append("</").append(element).append(">");
  }
  r.body.append("</qbw:").append(method).append(
      "Response></SOAP-ENV:Body></SOAP-ENV:Envelope>\r\n");
  return r;
}

std::optional<SoapResult> version_answer(sync::Service& service, std::string_view body) {
  if (body.size() > 4096) return std::nullopt;
  if (body.find("erverVersion") == std::string_view::npos &&
      body.find("lientVersion") == std::string_view::npos)
    return std::nullopt;
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8))
    return std::nullopt;
  pugi::xml_node envelope, soap_body, call;
  if (!only_child(doc, envelope) || local_name(envelope) != "Envelope" ||
      namespace_of(envelope) != kSoapEnvNs || !only_child(envelope, soap_body) ||
      local_name(soap_body) != "Body" || namespace_of(soap_body) != kSoapEnvNs ||
      !only_child(soap_body, call) || namespace_of(call) != kIntuitNs)
    return std::nullopt;
  for (auto a : call.attributes())  // namespace declarations only (no xsi:nil, no encodingStyle)
    if (!std::string_view(a.name()).starts_with("xmlns")) return std::nullopt;
  const std::string_view method = local_name(call);
  std::string answer;
  if (method == "serverVersion") {
    if (call.first_child()) return std::nullopt;
    answer = service.server_version();
  } else if (method == "clientVersion") {
    pugi::xml_node param;
    std::string version;
    if (call.first_child()) {
      if (!only_child(call, param) || local_name(param) != "strVersion" ||
          namespace_of(param) != kIntuitNs || param.first_attribute())
        return std::nullopt;
      for (auto c : param.children())
        if (c.type() != pugi::node_pcdata) return std::nullopt;
      version = param.text().get();
      if (!plain_version_text(version)) return std::nullopt;
    }
    answer = service.client_version(version);
  } else {
    return std::nullopt;
  }
  // gSOAP escapes more than & < > in some bytes (control characters): leave those answers to it.
  for (const char c : answer)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x80)
      return std::nullopt;
  return answer_envelope(method, answer);
}

// --- receiveResponseXML without gSOAP --------------------------------------------------------
// The Web Connector's largest call carries QuickBooks' answer as escaped text (about 300 KB for
// a page of 500 customers). gSOAP decodes it a character at a time: 8% of a 20,000-customer
// first sync's CPU (issue 13); pugixml decodes it in one pass. Read this way only when the
// envelope has QBWC's plain shape: Envelope/Body/receiveResponseXML in Intuit's namespace, no
// attribute but namespace declarations, and children among ticket, response, hresult and
// message, each at most once, in that namespace, without attributes, holding text only, in valid
// UTF-8. Anything else goes to gSOAP. tests/soap/adapter_test.cpp checks that both readers give
// the same arguments for every captured envelope and for the odd shapes.

constexpr unsigned kReceiveParse = pugi::parse_escapes | pugi::parse_cdata | pugi::parse_comments |
                                   pugi::parse_pi | pugi::parse_ws_pcdata;

// The element children of `node`, or false when it holds anything else: text besides spaces
// between elements, CDATA, processing instructions (comments are skipped, as gSOAP does).
bool element_children(pugi::xml_node node, std::vector<pugi::xml_node>& out) {
  for (auto c : node.children()) {
    if (c.type() == pugi::node_element) {
      out.push_back(c);
    } else if (c.type() == pugi::node_pcdata) {
      const std::string_view text = c.value();
      if (text.find_first_not_of(" \t\r\n") != std::string_view::npos) return false;
    } else if (c.type() != pugi::node_comment) {
      return false;
    }
  }
  return true;
}

std::optional<sync::ReceiveResponseArgs> read_receive_response(std::string_view body) {
  if (body.find("receiveResponseXML") == std::string_view::npos) return std::nullopt;
  if (reconcile::utf8_error_at(body) != std::string_view::npos) return std::nullopt;
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size(), kReceiveParse, pugi::encoding_utf8))
    return std::nullopt;
  std::vector<pugi::xml_node> level;
  const auto one = [&level](pugi::xml_node parent) -> pugi::xml_node {
    level.clear();
    if (!element_children(parent, level) || level.size() != 1) return {};
    return level.front();
  };
  const auto envelope = one(doc);
  if (!envelope || local_name(envelope) != "Envelope" || namespace_of(envelope) != kSoapEnvNs)
    return std::nullopt;
  const auto soap_body = one(envelope);
  if (!soap_body || local_name(soap_body) != "Body" || namespace_of(soap_body) != kSoapEnvNs)
    return std::nullopt;
  const auto call = one(soap_body);
  if (!call || local_name(call) != "receiveResponseXML" || namespace_of(call) != kIntuitNs)
    return std::nullopt;
  for (auto a : call.attributes())
    if (!std::string_view(a.name()).starts_with("xmlns")) return std::nullopt;
  level.clear();
  if (!element_children(call, level)) return std::nullopt;
  sync::ReceiveResponseArgs args;
  bool seen[4] = {};
  for (const auto param : level) {
    const auto name = local_name(param);
    std::string* into = nullptr;
    int slot = 0;
    if (name == "ticket") {
      into = &args.ticket;
    } else if (name == "response") {
      into = &args.response, slot = 1;
    } else if (name == "hresult") {
      into = &args.hresult, slot = 2;
    } else if (name == "message") {
      into = &args.message, slot = 3;
    } else {
      return std::nullopt;
    }
    if (seen[slot] || param.first_attribute() || namespace_of(param) != kIntuitNs)
      return std::nullopt;
    seen[slot] = true;
    const auto text = param.first_child();
    if (text && (text.type() != pugi::node_pcdata || text.next_sibling())) return std::nullopt;
    if (text) into->assign(text.value());
  }
  return args;
}

}  // namespace

std::optional<std::string> leading_ticket(std::string_view prefix) {
  for (auto i = prefix.find('<'); i != std::string_view::npos; i = prefix.find('<', i + 1)) {
    auto end = prefix.find_first_of(" \t\r\n/>", i + 1);
    if (end == std::string_view::npos) return std::nullopt;
    auto name = prefix.substr(i + 1, end - i - 1);
    if (const auto colon = name.find(':'); colon != std::string_view::npos)
      name.remove_prefix(colon + 1);
    if (name != "ticket" && name != "wcTicket") continue;
    const auto open_end = prefix.find('>', end);
    if (open_end == std::string_view::npos || prefix[open_end - 1] == '/') return std::nullopt;
    const auto close = prefix.find('<', open_end + 1);
    if (close == std::string_view::npos) return std::nullopt;
    auto text = prefix.substr(open_end + 1, close - open_end - 1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
      text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
      text.remove_suffix(1);
    return std::string(text);
  }
  return std::nullopt;
}

SoapResult handle(sync::Service& service, std::string_view body, std::size_t max_length,
                  const XmlLimits& limits, std::string_view client) {
  if (body.empty()) return plain(400, "empty request body: expected a SOAP envelope");
  if (!starts_like_xml(body))
    return plain(400, "request body is not XML: expected a SOAP envelope");
  if (has_doctype(body)) return plain(400, "DOCTYPE is not allowed in a SOAP request");
  if (const auto over = exceeds_limits(body, limits)) {
    spdlog::warn("SOAP request refused before parsing: {}", *over);
    return plain(400, "SOAP request refused: " + *over);
  }

  if (auto answer = version_answer(service, body)) return std::move(*answer);
  if (auto args = read_receive_response(body))
    return answer_envelope("receiveResponseXML",
                           std::to_string(service.receive_response_xml(*args)));

  // soap_new and soap_init allocate and clear a context of some 100 KB (buffers, hash tables):
  // a fifth of a small call's CPU when done per call (issue 13). Each thread keeps one context
  // and frees the call's data (soap_destroy, soap_end) after it; a failed call discards the
  // context, so nothing a refused request left behind reaches the next one.
  thread_local std::unique_ptr<Adapter> cached;
  std::unique_ptr<Adapter> svc = std::move(cached);
  if (!svc) svc = std::make_unique<Adapter>(SOAP_ENC_PLAIN | SOAP_C_UTFSTRING);
  svc->attach(service, client);
  Io io{body, {}};
  svc->soap->user = &io;
  svc->soap->frecv = read_body;
  svc->soap->fsend = write_answer;
  svc->soap->recv_maxlength = max_length;
  svc->soap->maxlevel = static_cast<unsigned>(limits.max_depth) + 1;
  const int rc = svc->serve();
  SoapResult result;
  if (rc == SOAP_OK) {
    result.body = std::move(io.out);
    svc->destroy();
    svc->soap->user = nullptr;
    cached = std::move(svc);
    return result;
  }
  // Tell a malformed document (the client's fault, 400) from a well-formed unknown call (SOAP
  // fault, 500). Only failures pay for this second parse.
  pugi::xml_document doc;
  const auto parsed = doc.load_buffer(body.data(), body.size(), pugi::parse_minimal);
  if (!parsed) {
    return plain(400, std::string("request body is not well-formed XML: ") + parsed.description() +
                          " at offset " + std::to_string(parsed.offset));
  }
  result.http_status = 500;
  if (io.out.empty()) ::soap_send_fault(svc->soap);
  result.body = std::move(io.out);
  spdlog::warn("SOAP request refused (gSOAP error {})", rc);
  return result;
}

namespace detail {

std::optional<sync::ReceiveResponseArgs> receive_args_plain(std::string_view body) {
  return read_receive_response(body);
}

std::optional<sync::ReceiveResponseArgs> receive_args_gsoap(std::string_view body) {
  Adapter svc(SOAP_ENC_PLAIN | SOAP_C_UTFSTRING);
  std::optional<sync::ReceiveResponseArgs> args;
  svc.captured_ = &args;
  Io io{body, {}};
  svc.soap->user = &io;
  svc.soap->frecv = read_body;
  svc.soap->fsend = write_answer;
  if (svc.serve() != SOAP_OK) return std::nullopt;
  svc.destroy();
  return args;
}

}  // namespace detail

}  // namespace qblink::soap
