#pragma once
// The QBWC wire format seen from the Web Connector's side: request bodies built byte for byte as
// the real (.NET) Web Connector sends them, and answer parsers as strict as its
// SoapHttpClientProtocol/XmlSerializer. Pure: no I/O, no clocks.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace qblink::sim::envelope {

inline constexpr std::string_view kIntuitNs = "http://developer.intuit.com/";
inline constexpr std::string_view kSoapEnvNs = "http://schemas.xmlsoap.org/soap/envelope/";

// Named exactly as the WSDL's operations, so a method reads the same in the captures and here.
// NOLINTBEGIN(readability-identifier-naming)
enum class Method {
  serverVersion,
  clientVersion,
  authenticate,
  sendRequestXML,
  receiveResponseXML,
  connectionError,
  getLastError,
  closeConnection,
};
// NOLINTEND(readability-identifier-naming)

std::string_view method_name(Method method);
// The SOAPAction header value, double quotes included: "http://developer.intuit.com/<method>".
std::string soap_action(Method method);
// The same URI without the quotes: what http::Client::post takes (it adds the quotes itself).
std::string soap_action_uri(Method method);

// --- requests (the whole HTTP body) ---

std::string server_version_request();
std::string client_version_request(std::string_view version);
std::string authenticate_request(std::string_view user, std::string_view password);

struct SendRequestXml {
  std::string ticket;
  std::string hcp_response;  // first call of a session only; "" afterwards
  std::string company_file;  // the path actually open, even when authenticate said ""
  std::string country;       // US, CA or UK
  int qbxml_major = 0;
  int qbxml_minor = 0;
};
std::string send_request_xml_request(const SendRequestXml& params);
std::string receive_response_xml_request(std::string_view ticket, std::string_view response,
                                         std::string_view hresult, std::string_view message);
std::string connection_error_request(std::string_view ticket, std::string_view hresult,
                                     std::string_view message);
std::string get_last_error_request(std::string_view ticket);
std::string close_connection_request(std::string_view ticket);

// Text content escaped as QBWC does: & < > only; quotes stay literal (CAP08, CAP3100).
std::string escape_text(std::string_view text);

// --- answers ---

// A value or a message that names the method and what was wrong with the answer.
template <class T>
class [[nodiscard]] Result {
 public:
  static Result success(T value) { return Result(std::in_place_index<0>, std::move(value)); }
  static Result failure(std::string message) {
    return Result(std::in_place_index<1>, std::move(message));
  }
  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  const std::string& error() const { return std::get<1>(state_); }

 private:
  template <std::size_t I, class V>
  Result(std::in_place_index_t<I> tag, V&& v) : state_(tag, std::forward<V>(v)) {}
  std::variant<T, std::string> state_;
};

// What came back over HTTP. The defaults describe a normal 200 SOAP answer, so tests that only
// have a body can pass {.body = text}.
struct HttpAnswer {
  unsigned status = 200;
  std::string_view content_type = "text/xml; charset=utf-8";
  std::string_view body;
};

// authenticate's string array, 0-based as on the wire (qbwc-protocol.md §2).
struct AuthenticateAnswer {
  std::vector<std::string> strings;          // at least 2
  std::optional<int> postpone_seconds;       // [2], when present and not empty
  std::optional<int> min_run_every_seconds;  // [3], when present and not empty
  const std::string& ticket() const { return strings[0]; }
  const std::string& status() const { return strings[1]; }
};

// serverVersion, clientVersion, sendRequestXML, connectionError, getLastError, closeConnection.
Result<std::string> parse_string_answer(Method method, const HttpAnswer& answer);
Result<AuthenticateAnswer> parse_authenticate_answer(const HttpAnswer& answer);
// Any int, negative included; the caller decides what the value means.
Result<int> parse_receive_response_xml_answer(const HttpAnswer& answer);

// xsd:int as XmlConvert.ToInt32 reads it: XML whitespace around, optional sign, digits, in range.
std::optional<int> parse_xsd_int(std::string_view text);

}  // namespace qblink::sim::envelope
