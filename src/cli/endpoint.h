#pragma once
// The routes qblink serves: POST /qbwc (SOAP), GET /health, GET /support (the .qwc AppSupport
// page, which the Web Connector requires to answer 200). Shared by `serve`, `demo` and tests.
#include <cstddef>

#include "http/message.h"

namespace qblink::sync {
class Service;
}

namespace qblink::cli {

http::Handler make_endpoint(sync::Service& service, std::size_t body_limit);

}  // namespace qblink::cli
