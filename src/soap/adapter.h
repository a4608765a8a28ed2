#pragma once
// The gSOAP adapter: the only code that sees gSOAP's generated types. It turns one SOAP request
// body into a call on sync::Service and the result back into a SOAP 1.1 document/literal answer.
#include <cstddef>
#include <string>
#include <string_view>

namespace qblink::sync {
class Service;
}

namespace qblink::soap {

struct SoapResult {
  unsigned http_status = 200;  // 200, 400 (not XML / DOCTYPE), 500 (SOAP fault)
  std::string content_type = "text/xml; charset=utf-8";
  std::string body;
};

// Thread-safe: every call gets its own gSOAP context.
SoapResult handle(sync::Service& service, std::string_view body,
                  std::size_t max_length = std::size_t{256} << 20);

}  // namespace qblink::soap
