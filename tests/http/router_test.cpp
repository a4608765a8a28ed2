#include "http/router.h"

#include <gtest/gtest.h>

namespace qblink::http {
namespace {

Handler answer(std::string text) {
  return [text](const Request&) {
    Response r;
    r.content_type = "text/plain";
    r.body = text;
    return r;
  };
}

Request request(std::string method, std::string target) {
  Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

std::string header(const Response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

TEST(RouterTest, DispatchesByMethodAndExactPath) {
  Router router;
  router.route("POST", "/qbwc", answer("soap")).route("GET", "/health", answer("ok"));
  const auto handler = router.handler();
  EXPECT_EQ(handler(request("POST", "/qbwc")).body, "soap");
  EXPECT_EQ(handler(request("GET", "/health")).body, "ok");
}

TEST(RouterTest, IgnoresTheQueryString) {
  Router router;
  router.route("GET", "/health", answer("ok"));
  EXPECT_EQ(router.handler()(request("GET", "/health?verbose=1")).body, "ok");
}

TEST(RouterTest, AnswersAnUnknownPathWith404) {
  Router router;
  router.route("GET", "/health", answer("ok"));
  const auto r = router.handler()(request("GET", "/health/"));
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
}

TEST(RouterTest, AnswersAWrongMethodWith405ListingTheAllowedOnes) {
  Router router;
  router.route("GET", "/qbwc", answer("wsdl")).route("POST", "/qbwc", answer("soap"));
  const auto r = router.handler()(request("DELETE", "/qbwc"));
  EXPECT_EQ(r.status, 405u);
  EXPECT_EQ(header(r, "Allow"), "GET, POST");
  EXPECT_NE(r.body.find("GET, POST"), std::string::npos);
}

TEST(RouterTest, HandlerKeepsTheRoutesItWasMadeWith) {
  Router router;
  router.route("GET", "/a", answer("a"));
  const auto before = router.handler();
  router.route("GET", "/b", answer("b"));
  EXPECT_EQ(before(request("GET", "/b")).status, 404u);
  EXPECT_EQ(router.handler()(request("GET", "/b")).body, "b");
}

TEST(RouterTest, InlineHandlerAnswersOnlyTheInlineRoutes) {
  Router router;
  router.route("POST", "/qbwc", answer("soap")).route_inline("GET", "/health", answer("ok"));
  const auto fast = router.inline_handler();
  ASSERT_TRUE(fast);
  const auto health = fast(request("GET", "/health?probe=1"));
  ASSERT_TRUE(health);
  EXPECT_EQ(health->body, "ok");
  EXPECT_FALSE(fast(request("POST", "/qbwc")));
  EXPECT_FALSE(fast(request("POST", "/health")));  // the worker-side handler answers 405
  const auto all = router.handler();
  EXPECT_EQ(all(request("GET", "/health")).body, "ok");
  const auto wrong = all(request("POST", "/health"));
  EXPECT_EQ(wrong.status, 405u);
  EXPECT_EQ(header(wrong, "Allow"), "GET");
}

TEST(RouterTest, NoInlineRoutesMeansNoInlineHandler) {
  Router router;
  router.route("GET", "/a", answer("a"));
  EXPECT_FALSE(router.inline_handler());
  EXPECT_TRUE(router.endpoint().handler);
}

}  // namespace
}  // namespace qblink::http
