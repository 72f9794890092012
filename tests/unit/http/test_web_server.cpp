// What the HTTP server does as a web server: the page's files (ETags and 304, their gzip form,
// HEAD), the headers of API answers (never cached), the token that guards the API, and HTTPS.
// The server runs on its own thread; the clients are synchronous Beast clients over loopback.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "drover/http/http_server.hpp"
#include "drover/http/static_assets.hpp"
#include "unit/http/api_harness.hpp"

namespace drover::http::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

constexpr std::array<std::uint8_t, 5> kHtml{'<', 'p', '>', 'h', 'i'};
constexpr std::array<std::uint8_t, 3> kHtmlGzip{0x1f, 0x8b, 0x08};  // stands in for the gzip form
constexpr std::array<std::uint8_t, 2> kScript{'/', '/'};
const std::array<Asset, 2> kAssets{{
    {"/index.html", "text/html; charset=utf-8", kHtml, kHtmlGzip, "\"abc\""},
    {"/js/app.js", "text/javascript; charset=utf-8", kScript, {}, "\"def\""},
}};

TEST(StaticAssets, AcceptEncodingAndIfNoneMatchAreReadAsHttpSaysSo) {
  EXPECT_TRUE(accepts_gzip("gzip, deflate, br"));
  EXPECT_TRUE(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0.000, br"));
  EXPECT_FALSE(accepts_gzip("deflate"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_TRUE(etag_matches("\"abc\"", "\"abc\""));
  EXPECT_TRUE(etag_matches("\"x\", W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(etag_matches("*", "\"abc\""));
  EXPECT_FALSE(etag_matches("\"abcd\"", "\"abc\""));
}

TEST(StaticAssets, AnswersGetAndHeadOfKnownFilesOnly) {
  const AssetTable table(kAssets);
  auto root = table.answer("GET", "/", "", "gzip");
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->status, 200u);
  EXPECT_EQ(root->asset, &kAssets[0]);
  EXPECT_TRUE(root->gzip);
  EXPECT_EQ(root->etag, "\"abc-gz\"");
  EXPECT_EQ(root->body.size(), kHtmlGzip.size());
  auto plain = table.answer("GET", "/index.html", "", "");
  EXPECT_FALSE(plain->gzip);
  EXPECT_EQ(plain->etag, "\"abc\"");
  EXPECT_EQ(plain->body.size(), kHtml.size());
  EXPECT_EQ(table.answer("GET", "/index.html", "\"abc\"", "")->status, 304u);
  EXPECT_EQ(table.answer("GET", "/index.html", "\"abc\"", "gzip")->status, 200u)
      << "the gzip form has a tag of its own";
  EXPECT_FALSE(table.answer("GET", "/js/app.js", "", "gzip")->gzip) << "no gzip form";
  EXPECT_TRUE(table.answer("HEAD", "/js/app.js", "", "")->body.empty());
  EXPECT_FALSE(table.answer("POST", "/index.html", "", "").has_value());
  EXPECT_FALSE(table.answer("GET", "/nothing.js", "", "").has_value());
}

TEST(Access, BearerTokensAndApiPaths) {
  EXPECT_TRUE(bearer_matches("Bearer s3cret-token", "s3cret-token"));
  EXPECT_TRUE(bearer_matches("bearer s3cret-token", "s3cret-token"));
  EXPECT_FALSE(bearer_matches("Bearer s3cret-tokeN", "s3cret-token"));
  EXPECT_FALSE(bearer_matches("Bearer s3cret", "s3cret-token"));
  EXPECT_FALSE(bearer_matches("Basic s3cret-token", "s3cret-token"));
  EXPECT_FALSE(bearer_matches("Bearer ", ""));
  EXPECT_TRUE(is_api_path("/api/clients"));
  EXPECT_TRUE(is_api_path("/metrics"));
  EXPECT_FALSE(is_api_path("/"));
  EXPECT_FALSE(is_api_path("/apis.js"));
}

struct Fetched {
  unsigned status = 0;
  bhttp::response<bhttp::string_body> response;
};

// The server on a thread of its own (the Api is used only there); synchronous clients.
struct WebServer : ::testing::Test {
  ApiHarness h;
  asio::io_context io;
  HttpServer http{io, h.api, {}};
  std::thread thread;
  tcp::endpoint endpoint;

  void start() {
    h.register_device();
    h.events.clear();
    http.set_assets(AssetTable(kAssets));
    ASSERT_FALSE(http.open({asio::ip::make_address("127.0.0.1"), 0}));
    endpoint = http.local_endpoint();
    thread = std::thread([this] {
      auto guard = asio::make_work_guard(io);
      io.run_for(std::chrono::seconds(20));  // bounded, should a test hang
    });
  }
  void TearDown() override {
    io.stop();
    if (thread.joinable()) thread.join();
  }

  static bhttp::request<bhttp::empty_body> request(bhttp::verb verb, std::string target) {
    bhttp::request<bhttp::empty_body> r{verb, target, 11};
    r.set(bhttp::field::host, "localhost");
    return r;
  }

  template <class Stream>
  static bhttp::response<bhttp::string_body> roundtrip(Stream& stream,
                                                       const bhttp::request<bhttp::empty_body>& r) {
    bhttp::write(stream, r);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    if (r.method() == bhttp::verb::head) parser.skip(true);
    bhttp::read(stream, buffer, parser);
    return parser.release();
  }

  bhttp::response<bhttp::string_body> fetch(const bhttp::request<bhttp::empty_body>& r) {
    asio::io_context client;
    beast::tcp_stream stream(client);
    stream.expires_after(std::chrono::seconds(5));
    stream.connect(endpoint);
    return roundtrip(stream, r);
  }
};

TEST_F(WebServer, ServesThePageWithETagsGzipAndHead) {
  start();
  auto page = request(bhttp::verb::get, "/");
  page.set(bhttp::field::accept_encoding, "gzip, deflate");
  auto r = fetch(page);
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_EQ(r[bhttp::field::content_type], "text/html; charset=utf-8");
  EXPECT_EQ(r[bhttp::field::content_encoding], "gzip");
  EXPECT_EQ(r[bhttp::field::etag], "\"abc-gz\"");
  EXPECT_EQ(r[bhttp::field::cache_control], "no-cache");
  EXPECT_EQ(r[bhttp::field::vary], "Accept-Encoding");
  EXPECT_NE(r["Content-Security-Policy"].find("default-src 'none'"), std::string::npos);
  EXPECT_EQ(r.body(), std::string(kHtmlGzip.begin(), kHtmlGzip.end()));

  page.set(bhttp::field::if_none_match, "\"abc-gz\"");
  auto again = fetch(page);
  EXPECT_EQ(again.result_int(), 304u);
  EXPECT_TRUE(again.body().empty());

  auto head = fetch(request(bhttp::verb::head, "/index.html"));
  EXPECT_EQ(head.result_int(), 200u);
  EXPECT_EQ(head[bhttp::field::content_length], std::to_string(kHtml.size()));
  EXPECT_EQ(head[bhttp::field::content_encoding], "");

  auto missing = fetch(request(bhttp::verb::get, "/nothing.js"));
  EXPECT_EQ(missing.result_int(), 404u);
  EXPECT_EQ(error_code(Response{404, missing.body()}), "not_found");
}

TEST_F(WebServer, ApiAnswersAreNeverCached) {
  start();
  auto r = fetch(request(bhttp::verb::get, "/api/clients"));
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_EQ(r[bhttp::field::cache_control], "no-store");
  EXPECT_EQ(r["X-Content-Type-Options"], "nosniff");
}

TEST_F(WebServer, WithATokenTheApiNeedsItAndThePageDoesNot) {
  http.set_token("0123456789abcdef");
  start();
  auto none = fetch(request(bhttp::verb::get, "/api/clients"));
  EXPECT_EQ(none.result_int(), 401u);
  EXPECT_EQ(none[bhttp::field::www_authenticate], "Bearer realm=\"drover\"");
  EXPECT_EQ(error_code(Response{401, none.body()}), "unauthorized");
  EXPECT_EQ(fetch(request(bhttp::verb::get, "/metrics")).result_int(), 401u);
  auto wrong = request(bhttp::verb::get, "/api/clients");
  wrong.set(bhttp::field::authorization, "Bearer 0123456789abcdeF");
  EXPECT_EQ(fetch(wrong).result_int(), 401u);
  auto right = request(bhttp::verb::get, "/api/clients");
  right.set(bhttp::field::authorization, "Bearer 0123456789abcdef");
  EXPECT_EQ(fetch(right).result_int(), 200u);
  EXPECT_EQ(fetch(request(bhttp::verb::get, "/")).result_int(), 200u);
  EXPECT_EQ(http.stats().unauthorized, 3u);
}

// A self-signed certificate for localhost and its key, as PEM files in a fresh folder.
struct TestCertificate {
  std::filesystem::path dir;
  std::filesystem::path cert;
  std::filesystem::path key;

  TestCertificate() {
    dir = std::filesystem::temp_directory_path() /
          ("drover-tls-" + std::to_string(::getpid()) + "-" +
           std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(dir);
    cert = dir / "cert.pem";
    key = dir / "key.pem";
    EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, pkey);
    X509_NAME* name = X509_get_subject_name(x);
    const std::string cn = "localhost";
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_sign(x, pkey, EVP_sha256());
    FILE* c = std::fopen(cert.c_str(), "w");
    PEM_write_X509(c, x);
    std::fclose(c);
    FILE* k = std::fopen(key.c_str(), "w");
    PEM_write_PrivateKey(k, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(k);
    X509_free(x);
    EVP_PKEY_free(pkey);
  }
  ~TestCertificate() { std::filesystem::remove_all(dir); }
};

TEST_F(WebServer, SpeaksHttpsWithACertificateAndKey) {
  TestCertificate certificate;
  EXPECT_TRUE(http.use_tls(certificate.dir / "missing.pem", certificate.key).has_value());
  EXPECT_FALSE(http.tls());
  const auto failed = http.use_tls(certificate.cert, certificate.key);
  ASSERT_FALSE(failed.has_value()) << *failed;
  EXPECT_TRUE(http.tls());
  start();

  asio::io_context client;
  asio::ssl::context context(asio::ssl::context::tls_client);
  context.set_verify_mode(asio::ssl::verify_none);  // self-signed
  beast::ssl_stream<beast::tcp_stream> stream(client, context);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
  beast::get_lowest_layer(stream).connect(endpoint);
  stream.handshake(asio::ssl::stream_base::client);
  auto r = roundtrip(stream, request(bhttp::verb::get, "/api/clients"));
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_EQ(boost::json::parse(r.body()).at("clients").at(0).at("endpoint").as_string(), "dev1");
  auto page = roundtrip(stream, request(bhttp::verb::get, "/js/app.js"));
  EXPECT_EQ(page.body(), "//");

  // Plain HTTP to an HTTPS port gets no answer.
  asio::io_context plain_io;
  beast::tcp_stream plain(plain_io);
  plain.expires_after(std::chrono::seconds(5));
  plain.connect(endpoint);
  EXPECT_THROW(roundtrip(plain, request(bhttp::verb::get, "/api/clients")),
               boost::system::system_error);
}

}  // namespace
}  // namespace drover::http::testing
