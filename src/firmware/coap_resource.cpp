#include "drover/firmware/coap_resource.hpp"

#include <algorithm>

#include "drover/coap/block_option.hpp"
#include "drover/util/hex.hpp"

namespace drover::firmware {

namespace codes = coap::codes;
namespace options = coap::options;

void answer_block(const Images& images, const coap::RequestReceived& received,
                  coap::Message& response, std::uint8_t max_szx) {
  const coap::Message& request = received.request;
  response.clear();
  if (request.code != codes::Get) {
    response.code = codes::MethodNotAllowed;
    return;
  }
  std::string_view segments[3];
  std::size_t count = 0;
  request.for_each(options::UriPath, [&](const coap::OptionView& segment) {
    if (count < 3) segments[count] = segment.as_string();
    ++count;
  });
  const Image* image = count == 2 ? images.find(segments[1]) : nullptr;
  if (!image) {
    response.code = codes::NotFound;
    return;
  }
  const coap::BlockOption want = received.block2.value_or(coap::BlockOption{0, false, max_szx});
  const std::uint8_t szx = std::min(want.szx, max_szx);
  const std::size_t size = coap::BlockOption::size_of(szx);
  // A block number asked at a larger size keeps its byte offset (RFC 7959 §2.4).
  const std::size_t offset = want.offset();
  const auto& bytes = *image->bytes;
  if (offset >= bytes.size()) {
    response.code = codes::BadRequest;
    response.set_payload(std::string_view("block past the end of the image"));
    return;
  }
  const std::size_t length = std::min(size, bytes.size() - offset);
  response.code = codes::Content;
  const auto tag = parse_hex(std::string_view(image->sha256).substr(0, 16));
  response.add_option(options::ETag, *tag);
  response.add_uint_option(options::ContentFormat, 42);  // application/octet-stream
  coap::write_block(response, options::Block2,
                    coap::BlockOption{static_cast<std::uint32_t>(offset / size),
                                      offset + length < bytes.size(), szx});
  response.add_uint_option(options::Size2, static_cast<std::uint32_t>(bytes.size()));
  response.set_payload(std::span(bytes).subspan(offset, length));
}

void serve_images(server::Server& server, const Images& images) {
  const std::uint8_t szx = server.config().engine.block_szx;
  server.add_resource(std::string(kResource), [&images, szx](const coap::RequestReceived& request,
                                                             coap::Message& response) {
    answer_block(images, request, response, szx);
  });
}

}  // namespace drover::firmware
