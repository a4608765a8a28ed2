#include "api/api.h"
#include "qblink/openapi_json.h"

namespace qblink::api {

std::string_view openapi_document() { return kOpenApiJson; }

}  // namespace qblink::api
