#include "sim/web_connector.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <pugixml.hpp>
#include <thread>
#include <utility>

#include "http/client.h"
#include "http/server.h"
#include "sim/envelope.h"

namespace qblink::sim {
namespace {

using envelope::HttpAnswer;
using envelope::Method;
using envelope::Result;

// What QBWC 2.0.0.116 sent (CAP08 headers): the .NET SoapHttpClientProtocol default.
constexpr const char* kUserAgent =
    "Mozilla/4.0 (compatible; MSIE 6.0; MS Web Services Client Protocol 2.0.50727.1433)";

// QuickBooks' answer when it cannot open the company (clearify.com "error 80040408": wrong path,
// file not openable); the message is the request processor's.
constexpr const char* kCannotOpenHresult = "0x80040408";
constexpr const char* kCannotOpenMessage = "Could not start QuickBooks.";
// PG p.51/p.69: a service should not ask for more than a couple of retries; QBWC stops here.
constexpr int kMaxConnectionErrors = 3;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// One line, at most `limit` characters, quoted: summaries are for people reading a log.
std::string clip(std::string_view text, std::size_t limit = 80) {
  std::string out;
  for (char c : text.substr(0, limit)) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (text.size() > limit) out += "...";
  return "\"" + out + "\"";
}

// "CustomerQueryRq, CustomerAddRq" or, for responses, "CustomerAddRs 3100"; never throws.
std::string message_set_summary(std::string_view qbxml, bool response) {
  pugi::xml_document doc;
  if (!doc.load_buffer(qbxml.data(), qbxml.size())) {
    return std::to_string(qbxml.size()) + " bytes, not XML";
  }
  auto set = doc.child("QBXML").child(response ? "QBXMLMsgsRs" : "QBXMLMsgsRq");
  if (!set) return std::to_string(qbxml.size()) + " bytes, no message set";
  std::vector<std::string> items;
  for (auto child : set.children()) {
    if (child.type() != pugi::node_element) continue;
    std::string item = child.name();
    if (response) item += std::string(" ") + child.attribute("statusCode").as_string("?");
    items.push_back(std::move(item));
  }
  std::string out;
  const std::size_t shown = std::min<std::size_t>(items.size(), 4);
  for (std::size_t i = 0; i < shown; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > shown) out += ", +" + std::to_string(items.size() - shown) + " more";
  if (items.empty()) out = "empty message set";
  return out + " (" + std::to_string(qbxml.size()) + " bytes)";
}

// One run_session(): the call sequence of QBWC 2.x (qbwc-protocol.md §1, PG ch. 2).
class Session {
 public:
  Session(const WebConnectorOptions& options, FakeQuickBooks& qb, int& responses_seen,
          std::size_t& next_server)
      : options_(options), qb_(qb), responses_seen_(responses_seen), next_server_(next_server) {}

  SessionResult run() {
    try {
      if (connect()) converse();
    } catch (const std::exception& e) {
      fail(std::string("simulator: ") + e.what());
    }
    // Every path leaves QuickBooks without an open session (iterators die with it).
    if (qb_session_open_) {
      qb_.end_session();
      qb_session_open_ = false;
    }
    return std::move(result_);
  }

 private:
  bool fail(std::string message) {
    result_.ok = false;
    if (result_.error.empty()) {
      result_.error = std::move(message);
    } else {
      result_.error += "; then " + message;
    }
    return false;
  }
  bool succeed() {
    if (result_.error.empty()) result_.ok = true;
    return true;
  }

  bool connect() {
    std::vector<std::string> urls{options_.url};
    urls.insert(urls.end(), options_.more_urls.begin(), options_.more_urls.end());
    for (const auto& u : urls) {
      http::Url url;
      try {
        url = http::parse_url(u);
      } catch (const std::exception& e) {
        return fail(std::string("invalid URL: ") + e.what());
      }
      // QBWC1010: only SSL (https) applications are allowed, except on localhost (PG p.87).
      if (url.scheme != "https" && !http::is_loopback_host(url.host)) {
        return fail(
            "QBWC1010: the Web Connector only talks https to a host other than localhost (" + u +
            ")");
      }
    }
    http::ClientOptions copts;
    copts.expect_continue = true;  // every QBWC request carries Expect: 100-continue (CAP08)
    copts.verify_tls = options_.verify_tls;
    copts.ca_file = options_.ca_file;
    copts.user_agent = kUserAgent;
    for (const auto& u : urls) clients_.push_back(std::make_unique<http::Client>(u, copts));
    return true;
  }

  // POSTs to the server whose turn it is; one that refuses the connection passes the turn on
  // (a balancer retries a request that never reached a server). Returns the server's index.
  std::size_t post(const std::string& body, Method method, http::Response& response) {
    const std::size_t n = clients_.size();
    for (std::size_t tried = 1;; ++tried) {
      const std::size_t server = next_server_++ % n;
      try {
        response = clients_[server]->post(body, envelope::soap_action_uri(method));
        return server;
      } catch (const http::ConnectError& e) {
        if (tried == n) throw;
        result_.warnings.push_back(std::string(envelope::method_name(method)) + ": server " +
                                   std::to_string(server) + " refused (" + e.what() +
                                   "); sent to the next one");
      }
    }
  }

  // Posts one request and parses the answer with `parse`; on any failure records it and returns
  // nullopt, so the caller only stops.
  template <class T>
  std::optional<T> call(Method method, std::string summary, const std::string& body,
                        const std::function<Result<T>(const HttpAnswer&)>& parse,
                        const std::function<std::string(const T&)>& describe) {
    const std::string name(envelope::method_name(method));
    http::Response response;
    std::size_t server = next_server_ % clients_.size();
    try {
      server = post(body, method, response);
    } catch (const std::exception& e) {
      const std::string why = name + ": no answer from the server: " + e.what();
      result_.calls.push_back({name, std::move(summary), "error: " + why, server});
      fail(why);
      return std::nullopt;
    }
    auto parsed = parse(HttpAnswer{response.status, response.content_type, response.body});
    if (!parsed) {
      result_.calls.push_back({name, std::move(summary), "error: " + parsed.error(), server});
      fail(parsed.error());
      return std::nullopt;
    }
    result_.calls.push_back({name, std::move(summary), describe(parsed.value()), server});
    return std::move(parsed).value();
  }

  std::optional<std::string> call_string(
      Method method, std::string summary, const std::string& body,
      const std::function<std::string(const std::string&)>& describe = [](const std::string& s) {
        return clip(s);
      }) {
    return call<std::string>(
        method, std::move(summary), body,
        [method](const HttpAnswer& a) { return envelope::parse_string_answer(method, a); },
        describe);
  }

  void converse() {
    if (!call_string(Method::serverVersion, "", envelope::server_version_request())) return;
    if (!client_version()) return;
    auto auth = authenticate();
    if (!auth) return;
    if (!open_company(auth->status())) return;
    qb_.begin_session(options_.owner_id);
    qb_session_open_ = true;
    exchange();
  }

  // PG p.20-21, p.66: "" proceed; W: warn and go on (the user clicks OK); E: and O: cancel;
  // anything else is bad syntax (QBWC1046, PG p.98).
  bool client_version() {
    auto answer = call_string(Method::clientVersion, "strVersion=" + options_.client_version,
                              envelope::client_version_request(options_.client_version),
                              [](const std::string& s) {
                                if (s.empty()) return std::string("\"\" (proceed)");
                                if (s.rfind("W:", 0) == 0) return clip(s) + " (warning)";
                                if (s.rfind("E:", 0) == 0) return clip(s) + " (update cancelled)";
                                if (s.rfind("O:", 0) == 0)
                                  return clip(s) + " (newer Web Connector required)";
                                return clip(s) + " (bad syntax)";
                              });
    if (!answer) return false;
    const std::string& v = *answer;
    if (v.empty()) return true;
    const std::string text = v.size() >= 2 ? v.substr(2) : "";
    if (v.rfind("W:", 0) == 0) {
      result_.warnings.push_back("clientVersion warning: " + text);
      return true;
    }
    if (v.rfind("E:", 0) == 0) {
      return fail("clientVersion (QBWC1037): the server cancelled the update: " + text);
    }
    if (v.rfind("O:", 0) == 0) {
      return fail("clientVersion: the server expects Web Connector " + text + " or newer (we are " +
                  options_.client_version + ")");
    }
    return fail("clientVersion (QBWC1046): answer " + clip(v) +
                " is neither empty nor W:, E: or O: followed by text");
  }

  std::optional<envelope::AuthenticateAnswer> authenticate() {
    auto auth = call<envelope::AuthenticateAnswer>(
        Method::authenticate, "strUserName=" + options_.user,
        envelope::authenticate_request(options_.user, options_.password),
        envelope::parse_authenticate_answer, [](const envelope::AuthenticateAnswer& a) {
          std::string s = "ticket=" + clip(a.ticket(), 40) + ", status=" + clip(a.status());
          if (a.status().empty()) s += " (open company)";
          if (a.postpone_seconds) s += ", postpone=" + std::to_string(*a.postpone_seconds) + "s";
          if (a.min_run_every_seconds) {
            s += ", min interval=" + std::to_string(*a.min_run_every_seconds) + "s";
          }
          return s;
        });
    if (!auth) return std::nullopt;
    ticket_ = auth->ticket();
    result_.auth_status = auth->status();
    result_.postpone_seconds = auth->postpone_seconds;
    result_.min_run_every_seconds = auth->min_run_every_seconds;

    // PG p.21: after "none" or "nvu" QBWC shows a message, calls closeConnection and stops.
    // "busy" is the same kind of status (PG p.62) and a postponed update is "discontinued"
    // (PG p.63), so they end the same way. QBWC accepted upper case (QJS15).
    const std::string& status = auth->status();
    if (iequals(status, "nvu")) {
      fail("authenticate: invalid user (the server answered nvu for user '" + options_.user + "')");
      close_connection();
      return std::nullopt;
    }
    if (iequals(status, "none")) {
      result_.nothing_to_do = true;
      if (close_connection()) succeed();
      return std::nullopt;
    }
    if (iequals(status, "busy") || auth->postpone_seconds) {
      if (close_connection()) succeed();
      return std::nullopt;
    }
    if (ticket_.empty()) {
      result_.warnings.push_back("authenticate returned work with an empty ticket");
    }
    return auth;
  }

  // QBWC opens the company authenticate named ("" = the open one). On failure it calls
  // connectionError and retries with the path returned until "done" (PG p.22, p.51-52, p.69).
  bool open_company(std::string wanted) {
    const Company& company = qb_.company();
    for (int attempt = 0;; ++attempt) {
      const bool opens =
          !options_.company_not_open && (wanted.empty() || iequals(wanted, company.file_path));
      if (opens) return true;
      if (attempt == kMaxConnectionErrors) {
        return fail(
            "connectionError: still no \"done\" after " + std::to_string(kMaxConnectionErrors) +
            " calls; the Web Connector gives up (PG p.51: retry a couple of times at most)");
      }
      auto answer = call_string(
          Method::connectionError,
          std::string(kCannotOpenHresult) + " " + kCannotOpenMessage +
              (wanted.empty() ? "" : " (file " + clip(wanted) + ")"),
          envelope::connection_error_request(ticket_, kCannotOpenHresult, kCannotOpenMessage));
      if (!answer) return false;
      // Intuit's own sample answers "DONE" (PG p.70).
      if (iequals(*answer, "done")) {
        result_.fault_injected = options_.company_not_open;
        return fail(std::string("QuickBooks could not open the company (") + kCannotOpenHresult +
                    " " + kCannotOpenMessage + "); connectionError answered done");
      }
      wanted = *answer;
    }
  }

  // sendRequestXML / receiveResponseXML until 100, "" or a negative percentage.
  void exchange() {
    const Company& company = qb_.company();
    bool first = true;
    for (int trips = 0;;) {
      if (++trips > options_.max_round_trips) {
        fail("protocol: more than " + std::to_string(options_.max_round_trips) +
             " sendRequestXML calls in one session; the server never finishes");
        return;
      }
      envelope::SendRequestXml params{ticket_,
                                      first ? qb_.hcp_response() : "",
                                      company.file_path,
                                      company.country,
                                      company.qbxml_major,
                                      company.qbxml_minor};
      std::string summary =
          first ? "strHCPResponse " + std::to_string(params.hcp_response.size()) + " bytes, " : "";
      summary += clip(company.file_path, 100) + ", " + company.country + " " +
                 std::to_string(company.qbxml_major) + "." + std::to_string(company.qbxml_minor);
      first = false;
      auto request = call_string(Method::sendRequestXML, std::move(summary),
                                 envelope::send_request_xml_request(params),
                                 [](const std::string& s) -> std::string {
                                   if (s.empty()) return "\"\" (nothing to send)";
                                   if (s == "NoOp") return "\"NoOp\"";
                                   return message_set_summary(s, false);
                                 });
      if (!request) return;
      // PG p.80: "" and "NoOp" both make QBWC call getLastError.
      if (request->empty() || *request == "NoOp") {
        if (last_error_then_continue()) continue;
        return;
      }

      ++result_.requests_sent;
      if (options_.latency_ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(options_.latency_ms));
      }
      const ProcessOutcome outcome = qb_.process(*request);
      ++responses_seen_;
      if (options_.after_quickbooks)
        options_.after_quickbooks(*request, result_.calls.back().server);
      if (options_.drop_response_at && *options_.drop_response_at == responses_seen_) {
        // The network fails after QuickBooks applied the request: the server never hears of it.
        for (auto& client : clients_) client->disconnect();
        result_.fault_injected = true;
        fail("connection lost after QuickBooks processed request #" +
             std::to_string(responses_seen_) + " (" + message_set_summary(*request, false) +
             "); receiveResponseXML was never delivered");
        return;
      }

      std::string sent = outcome.hresult.empty()
                             ? message_set_summary(outcome.response, true)
                             : "hresult=" + outcome.hresult + " " + clip(outcome.message, 60);
      auto percent = call<int>(Method::receiveResponseXML, std::move(sent),
                               envelope::receive_response_xml_request(
                                   ticket_, outcome.response, outcome.hresult, outcome.message),
                               envelope::parse_receive_response_xml_answer, [](const int& p) {
                                 if (p == 100) return std::string("100 (done)");
                                 if (p < 0) return std::to_string(p) + " (error)";
                                 return std::to_string(p) + "%";
                               });
      if (!percent) return;
      if (*percent == 100) {
        if (close_connection()) succeed();
        return;
      }
      if (*percent > 100) {
        fail("receiveResponseXML: " + std::to_string(*percent) +
             " is not a percentage (0..100) nor negative (error)");
        return;
      }
      if (*percent < 0 && !last_error_then_continue()) return;
      // 0..99: more work (CAP08 11 -> 12); a NoOp after a negative also asks again.
    }
  }

  // getLastError, then: "NoOp" -> pause and ask sendRequestXML again (true); otherwise the text
  // is shown to the user and the session closes (PG p.72-73, p.24).
  bool last_error_then_continue() {
    auto text = call_string(Method::getLastError, "", envelope::get_last_error_request(ticket_));
    if (!text) return false;
    result_.last_error = *text;
    if (*text == "NoOp") {
      if (options_.noop_pause_ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(options_.noop_pause_ms));
      }
      return true;
    }
    if (*text == "Interactive mode") {
      close_connection();
      fail(
          "getLastError: \"Interactive mode\" is not supported by the simulator (QBWC would call "
          "getInteractiveURL)");
      return false;
    }
    if (close_connection()) succeed();
    return false;
  }

  bool close_connection() {
    auto text =
        call_string(Method::closeConnection, "", envelope::close_connection_request(ticket_));
    if (!text) return false;
    result_.close_message = *text;
    return true;
  }

  const WebConnectorOptions& options_;
  FakeQuickBooks& qb_;
  int& responses_seen_;
  std::size_t& next_server_;
  std::vector<std::unique_ptr<http::Client>> clients_;  // one per server, kept alive
  std::string ticket_;
  bool qb_session_open_ = false;
  SessionResult result_;
};

}  // namespace

WebConnector::WebConnector(WebConnectorOptions options, FakeQuickBooks& quickbooks)
    : options_(std::move(options)), qb_(quickbooks) {}

SessionResult WebConnector::run_session() {
  return Session(options_, qb_, responses_seen_, next_server_).run();
}

}  // namespace qblink::sim
