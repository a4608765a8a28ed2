#pragma once
// The .qwc file an admin adds to the Web Connector: shared by `qblink qwc` and the API.
#include <string>

namespace qblink::api {

struct QwcParams {
  std::string url, support_url;  // support_url empty = the URL's site + /support
  int every_minutes = 60;
  std::string app_name = "qblink";
  std::string username, owner_id, file_id;
};

// Checks the URLs as the Web Connector would (HTTPS except for localhost, no IP addresses, the
// support page on the same host) and builds the file. Throws std::invalid_argument saying why.
std::string qwc_file(const QwcParams& params);

}  // namespace qblink::api
