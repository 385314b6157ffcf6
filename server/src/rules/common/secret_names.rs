//! The one place that decides whether a variable name looks like it holds a secret.
//!
//! Names are split into words on `_`, `-`, `.` and camelCase boundaries (`apiKey` → API KEY,
//! `OAuthToken` → O AUTH TOKEN), so `TOKENIZER_PATH` or `AUTHOR` never match TOKEN or AUTH.
//! A name is secret-like when one of its words is a secret word (TOKEN, SECRET, PASSWORD, …)
//! or a qualified KEY (API_KEY, PRIVATE_KEY, …), unless its last word says it holds something
//! about the secret rather than the secret (`*_FILE`, `*_URL`, `*_VERSION`, `*_ID`, …) or its
//! first word makes it a setting (`MAX_TOKENS`, `USE_AUTH`).

/// Words that on their own mark a secret.
const SECRET_WORDS: &[&str] = &[
    "TOKEN",
    "TOKENS",
    "SECRET",
    "SECRETS",
    "PASSWORD",
    "PASSWORDS",
    "PASSWD",
    "PASSPHRASE",
    "APIKEY",
    "APIKEYS",
    "PRIVATEKEY",
    "ACCESSKEY",
    "AUTHTOKEN",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "AUTH",
];

/// Words that mark a secret only as the last word (`DB_PASS`, `GH_PAT`), never alone.
const SECRET_LAST_WORDS: &[&str] = &["PASS", "PWD", "PAT"];

/// `<qualifier>_KEY` pairs that name secret key material.
const KEY_QUALIFIERS: &[&str] = &[
    "API",
    "PRIVATE",
    "ACCESS",
    "SECRET",
    "ENCRYPTION",
    "ENCRYPT",
    "SIGNING",
    "SIGN",
    "MASTER",
    "SSH",
    "DEPLOY",
    "SESSION",
    "CLIENT",
    "LICENSE",
    "HMAC",
    "JWT",
    "AUTH",
    "WEBHOOK",
];

/// Last words that mean the value is about a secret, not the secret itself.
const NON_SECRET_LAST_WORDS: &[&str] = &[
    "VERSION",
    "VER",
    "PATH",
    "FILE",
    "FILES",
    "FILENAME",
    "URL",
    "URI",
    "URLS",
    "DIR",
    "DIRECTORY",
    "FOLDER",
    "LOCATION",
    "ID",
    "IDS",
    "NAME",
    "NAMES",
    "ENABLED",
    "ENABLE",
    "DISABLED",
    "DISABLE",
    "TTL",
    "EXPIRY",
    "EXPIRES",
    "EXPIRATION",
    "LIFETIME",
    "LENGTH",
    "LEN",
    "SIZE",
    "COUNT",
    "LIMIT",
    "TIMEOUT",
    "TYPE",
    "KIND",
    "FORMAT",
    "MODE",
    "METHOD",
    "PROVIDER",
    "STRATEGY",
    "ENDPOINT",
    "HOST",
    "HOSTNAME",
    "PORT",
    "SERVER",
    "DOMAIN",
    "REGION",
    "REALM",
    "ISSUER",
    "AUDIENCE",
    "SCOPE",
    "SCOPES",
    "ROLE",
    "POLICY",
    "ARN",
    "REF",
    "FINGERPRINT",
    "USER",
    "USERNAME",
    "LOGIN",
    "EMAIL",
    "REQUIRED",
    "FIELD",
    "PARAM",
    "PREFIX",
    "SUFFIX",
    "STORE",
    "MANAGER",
    "BACKEND",
    "PLUGIN",
    "MOUNT",
    "VOLUME",
    "SOURCE",
    "KEYRING",
    "HELPER",
    "CALLBACK",
    "REDIRECT",
    "ALGORITHM",
    "ALG",
    "LEVEL",
    "RETRIES",
    "INTERVAL",
];

/// First words that make the name a setting (`MAX_TOKENS`, `SKIP_AUTH`, `IS_SECRET`).
const NON_SECRET_FIRST_WORDS: &[&str] = &[
    "MAX", "MIN", "NUM", "USE", "ENABLE", "DISABLE", "SKIP", "NO", "REQUIRE", "ALLOW", "IS", "HAS",
    "WITH", "WITHOUT", "SHOW", "HIDE",
];

/// Whole names that look secret but are not.
const NON_SECRET_NAMES: &[&str] = &["PWD", "OLDPWD", "AUTHOR", "AUTHORS"];

/// Split a name into upper-cased words on separators and camelCase boundaries.
pub fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let boundary = c.is_uppercase()
            && prev.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
            });
        if boundary && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_uppercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether `name` (an environment variable, build arg, input or key name) looks like it holds
/// a secret.
pub fn is_secret_name(name: &str) -> bool {
    let w = words(name);
    let Some(last) = w.last() else { return false };
    let joined = w.join("_");
    if NON_SECRET_NAMES.contains(&joined.as_str()) {
        return false;
    }
    if NON_SECRET_LAST_WORDS.contains(&last.as_str()) {
        return false;
    }
    if w.len() >= 2 && NON_SECRET_FIRST_WORDS.contains(&w[0].as_str()) {
        return false;
    }
    if w.iter().any(|x| SECRET_WORDS.contains(&x.as_str())) {
        return true;
    }
    if w.len() >= 2 && SECRET_LAST_WORDS.contains(&last.as_str()) {
        return true;
    }
    w.windows(2)
        .any(|p| matches!(p[1].as_str(), "KEY" | "KEYS") && KEY_QUALIFIERS.contains(&p[0].as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_words() {
        assert_eq!(words("apiKey"), ["API", "KEY"]);
        assert_eq!(words("APIKey"), ["API", "KEY"]);
        assert_eq!(words("OAuthToken"), ["O", "AUTH", "TOKEN"]);
        assert_eq!(words("npm-token"), ["NPM", "TOKEN"]);
        assert_eq!(
            words("AWS_SECRET_ACCESS_KEY"),
            ["AWS", "SECRET", "ACCESS", "KEY"]
        );
        assert_eq!(words("s3Bucket2Name"), ["S3", "BUCKET2", "NAME"]);
        assert_eq!(words("__x__"), ["X"]);
        assert!(words("").is_empty());
    }

    #[test]
    fn secret_names() {
        for n in [
            "TOKEN",
            "NPM_TOKEN",
            "GITHUB_TOKEN",
            "NODE_AUTH_TOKEN",
            "VAULT_TOKEN",
            "HF_TOKEN",
            "accessToken",
            "SECRET",
            "SECRET_KEY",
            "SECRET_KEY_BASE",
            "CLIENT_SECRET",
            "NEXTAUTH_SECRET",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ACCESS_KEY",
            "PASSWORD",
            "DB_PASSWORD",
            "POSTGRES_PASSWORD",
            "MYSQL_ROOT_PASSWD",
            "dbPassword",
            "DB_PASS",
            "DB_PWD",
            "GH_PAT",
            "GPG_PASSPHRASE",
            "API_KEY",
            "APIKEY",
            "OPENAI_API_KEY",
            "apiKey",
            "x-api-key",
            "PRIVATE_KEY",
            "SSH_PRIVATE_KEY",
            "privateKey",
            "CREDENTIALS",
            "GOOGLE_CREDENTIALS",
            "DOCKER_CREDENTIAL",
            "REGISTRY_CREDS",
            "AUTH",
            "BASIC_AUTH",
            "NPM_AUTH",
            "AUTH_TOKEN",
            "ENCRYPTION_KEY",
            "JWT_SIGNING_KEY",
            "DEPLOY_KEY",
            "SESSION_KEY",
            "SECRETS",
        ] {
            assert!(is_secret_name(n), "{n} should be secret-like");
        }
    }

    #[test]
    fn look_alikes_are_not_secret() {
        for n in [
            "NODE_VERSION",
            "TOKEN_VERSION",
            "SECRETS_PATH",
            "TOKEN_PATH",
            "DB_PASSWORD_FILE",
            "GOOGLE_APPLICATION_CREDENTIALS_FILE",
            "SECRET_FILE",
            "OAUTH_CALLBACK_URL",
            "TOKEN_URL",
            "AUTH_URL",
            "NEXTAUTH_URL",
            "SECRETS_DIR",
            "AWS_ACCESS_KEY_ID",
            "CLIENT_ID",
            "API_KEY_ID",
            "SECRET_NAME",
            "TOKEN_NAME",
            "AUTH_ENABLED",
            "TOKEN_TTL",
            "TOKEN_EXPIRY",
            "KEYCLOAK_VERSION",
            "KEYCLOAK_ADMIN",
            "KEYCLOAK_HOST",
            "AUTHOR",
            "author",
            "TOKENIZER_PATH",
            "TOKENIZERS_PARALLELISM",
            "TOKENIZER",
            "MAX_TOKENS",
            "maxTokens",
            "NUM_TOKENS",
            "PWD",
            "OLDPWD",
            "PASSWORD_LENGTH",
            "PASSWORD_MIN_LENGTH",
            "AUTH_TYPE",
            "AUTH_PROVIDER",
            "AUTH_METHOD",
            "SKIP_AUTH",
            "USE_AUTH",
            "OAUTH",
            "AUTHORIZATION_ENDPOINT",
            "SECRET_ARN",
            "GPG_KEY",
            "PUBLIC_KEY",
            "CACHE_KEY",
            "KEY",
            "PRIMARY_KEY",
            "PASS",
            "BYPASS",
            "PASS_THROUGH",
            "PATH",
            "HOME",
            "NODE_ENV",
            "BUILDKIT_INLINE_CACHE",
            "TARGETPLATFORM",
            "SECRETS_MANAGER_REGION",
            "DB_USER",
            "",
        ] {
            assert!(!is_secret_name(n), "{n} should not be secret-like");
        }
    }
}
