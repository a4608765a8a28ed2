#pragma once
// The gSOAP adapter: the only code that sees gSOAP's generated types. It turns one SOAP request
// body into a call on sync::Service and the result back into a SOAP 1.1 document/literal answer.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace qblink::sync {
class Service;
struct ReceiveResponseArgs;
}  // namespace qblink::sync

namespace qblink::soap {

struct SoapResult {
  unsigned http_status = 200;  // 200, 400 (not XML / DOCTYPE), 500 (SOAP fault)
  std::string content_type = "text/xml; charset=utf-8";
  std::string body;
};

// What a request envelope may hold before gSOAP parses it (400 beyond). A Web Connector
// envelope has about ten elements, four levels and three namespace declarations; the qbXML it
// carries is escaped text, not elements.
struct XmlLimits {
  std::size_t max_depth = 64;
  std::size_t max_attributes = 64;  // on one element (namespace declarations included)
  std::size_t max_total_attributes = 1024;
  std::size_t max_elements = 10'000;
};

// Thread-safe: each thread reuses its own gSOAP context. `client` is the peer address, passed to
// authenticate for throttling and logs.
SoapResult handle(sync::Service& service, std::string_view body,
                  std::size_t max_length = std::size_t{256} << 20, const XmlLimits& limits = {},
                  std::string_view client = {});

// The text of the first complete <ticket> (or <wcTicket>) element, any prefix, in `prefix` (the
// first bytes of a body). Every Web Connector call that can be large (receiveResponseXML,
// sendRequestXML) carries the ticket as its first parameter; nullopt when there is none.
std::optional<std::string> leading_ticket(std::string_view prefix);

namespace detail {
// receiveResponseXML's arguments as each reader finds them, for tests that compare the two:
// nullopt from the first when the envelope is not QBWC's plain shape (gSOAP reads it then),
// from the second when gSOAP refuses the envelope or it is another call.
std::optional<sync::ReceiveResponseArgs> receive_args_plain(std::string_view body);
std::optional<sync::ReceiveResponseArgs> receive_args_gsoap(std::string_view body);
}  // namespace detail

}  // namespace qblink::soap
