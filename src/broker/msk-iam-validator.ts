/**
 * The secured dev broker's OAUTHBEARER validator, standing in for Amazon MSK's IAM check. It
 * reads a token as MSK does (the base64url of a SigV4-presigned URL for `kafka-cluster:Connect`)
 * and accepts it when its host, action, algorithm, credential scope (region and service) and
 * time window hold; the principal is the access key id. It cannot check the signature itself:
 * that needs AWS IAM and the secret key. Compiled at `broker start --secure` when javac is there.
 */
export const MSK_IAM_VALIDATOR_CLASS = 'dev.karafka.MskIamTokenValidator'

export const MSK_IAM_VALIDATOR_SOURCE = `package dev.karafka;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.auth.AuthenticateCallbackHandler;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallback;

/** Accepts an Amazon MSK IAM token when its form, scope and time window hold; the signature is not checked (no IAM here). */
public class MskIamTokenValidator implements AuthenticateCallbackHandler {
  private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

  @Override
  public void configure(Map<String, ?> configs, String mechanism, List<AppConfigurationEntry> entries) {}

  @Override
  public void close() {}

  @Override
  public void handle(Callback[] callbacks) throws UnsupportedCallbackException {
    for (Callback callback : callbacks) {
      if (!(callback instanceof OAuthBearerValidatorCallback)) throw new UnsupportedCallbackException(callback);
      OAuthBearerValidatorCallback validation = (OAuthBearerValidatorCallback) callback;
      try {
        validation.token(read(validation.tokenValue()));
      } catch (RuntimeException e) {
        validation.error("invalid_token", null, null);
      }
    }
  }

  static OAuthBearerToken read(String value) {
    URI url = URI.create(new String(Base64.getUrlDecoder().decode(value), StandardCharsets.UTF_8));
    Map<String, String> query = new HashMap<>();
    for (String pair : url.getRawQuery().split("&")) {
      int eq = pair.indexOf('=');
      query.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
    }
    String host = url.getHost();
    require("https".equals(url.getScheme()) && host.matches("kafka\\\\.[a-z0-9-]+\\\\.amazonaws\\\\.com"), "host");
    String region = host.split("\\\\.")[1];
    require("kafka-cluster:Connect".equals(query.get("Action")), "action");
    require("AWS4-HMAC-SHA256".equals(query.get("X-Amz-Algorithm")), "algorithm");
    require("host".equals(query.get("X-Amz-SignedHeaders")), "signed headers");
    require(query.getOrDefault("X-Amz-Signature", "").matches("[0-9a-f]{64}"), "signature");
    String[] scope = query.getOrDefault("X-Amz-Credential", "").split("/");
    require(scope.length == 5 && region.equals(scope[2]) && "kafka-cluster".equals(scope[3]) && "aws4_request".equals(scope[4]), "credential scope");
    long start = LocalDateTime.parse(query.get("X-Amz-Date"), AMZ_DATE).toInstant(ZoneOffset.UTC).toEpochMilli();
    long expires = start + Long.parseLong(query.get("X-Amz-Expires")) * 1000;
    long now = System.currentTimeMillis();
    require(start <= now + 300_000 && now < expires, "time window");
    String principal = scope[0];
    return new OAuthBearerToken() {
      public String value() { return value; }
      public Set<String> scope() { return Collections.emptySet(); }
      public long lifetimeMs() { return expires; }
      public String principalName() { return principal; }
      public Long startTimeMs() { return start; }
    };
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }

  private static void require(boolean holds, String what) {
    if (!holds) throw new IllegalArgumentException("bad " + what);
  }
}
`
