//! The read-only web view at `/`: the fleet, its footprint, AGEC and REEN, printing, the
//! sources' health and alerts, a what-if and a history, as HTML pages with SVG charts drawn
//! on the server (no script), in French by default and in English.
//!
//! Every figure comes from the API's own handlers ([`api`]), serialised as `/api/v1/*`
//! sends them, so a page can never say something the API does not; the pages only choose,
//! order and draw. Bad input (an unknown parameter, an impossible date, an unknown entity, an
//! absurd lifespan, an overlong query) gets a 4xx page that says what to write instead.

mod api;
pub mod charts;
pub mod i18n;
mod layout;
mod pages;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

use super::HttpState;
use i18n::Lang;

/// The pages' routes, merged into the HTTP router (`crate::http::router`).
pub fn routes() -> Router<HttpState> {
    Router::new()
        .route("/", get(pages::overview::show))
        .route("/circularity", get(pages::circularity::show))
        .route("/printing", get(pages::printing::show))
        .route("/mail", get(pages::mail::show))
        .route("/what-if", get(pages::whatif::show))
        .route("/history", get(pages::history::show))
        .route("/sources", get(pages::sources::show))
}

/// The longest query string a page reads: its form fields are a few dozen characters each.
const MAX_QUERY: usize = 2048;

/// What a page was asked: its language, the entity filter and its own parameters.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub path: &'static str,
    pub entity: Option<String>,
    /// The page's parameters other than `lang` and `entity`, in the order given.
    pub params: Vec<(String, String)>,
}

impl Ctx {
    /// Reads the query of the page at `path`, which takes the parameters `allowed` (besides
    /// `lang`); any other is refused, with the list of those it takes.
    pub fn parse(
        path: &'static str,
        query: Option<&str>,
        headers: &HeaderMap,
        allowed: &[&str],
    ) -> Result<Ctx, WebError> {
        let query = query.unwrap_or("");
        let mut lang_param = None;
        let mut pairs: Vec<(String, String)> = Vec::new();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            if k == "lang" {
                lang_param = Some(v.into_owned());
            } else {
                pairs.push((k.into_owned(), v.into_owned()));
            }
        }
        let lang = Lang::choose(lang_param.as_deref(), headers)
            .map_err(|m| WebError::new(Lang::Fr, StatusCode::BAD_REQUEST, m))?;
        if query.len() > MAX_QUERY {
            return Err(WebError::new(
                lang,
                StatusCode::URI_TOO_LONG,
                format!(
                    "{} ({} > {MAX_QUERY})",
                    lang.t(
                        "La requête est trop longue pour cette page",
                        "The request is too long for this page"
                    ),
                    query.len()
                ),
            ));
        }
        let mut entity = None;
        let mut params = Vec::new();
        for (k, v) in pairs {
            if !allowed.contains(&k.as_str()) {
                let takes = if allowed.is_empty() {
                    "lang".to_string()
                } else {
                    format!("lang, {}", allowed.join(", "))
                };
                return Err(WebError::new(
                    lang,
                    StatusCode::BAD_REQUEST,
                    format!(
                        "{} « {} » ; {} {takes}",
                        lang.t("Paramètre inconnu", "Unknown parameter"),
                        k,
                        lang.t("cette page accepte :", "this page takes:")
                    ),
                ));
            }
            if params.iter().any(|(p, _): &(String, String)| *p == k)
                || (k == "entity" && entity.is_some())
            {
                return Err(WebError::new(
                    lang,
                    StatusCode::BAD_REQUEST,
                    format!(
                        "{} « {k} »",
                        lang.t("Paramètre donné deux fois :", "Parameter given twice:")
                    ),
                ));
            }
            if k == "entity" {
                entity = (!v.is_empty()).then_some(v);
            } else {
                params.push((k, v));
            }
        }
        Ok(Ctx {
            lang,
            path,
            entity,
            params,
        })
    }

    /// The value of one of the page's parameters, when given and not empty.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    fn query(lang: Lang, entity: Option<&str>, params: &[(String, String)]) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("lang", lang.code());
        if let Some(e) = entity {
            q.append_pair("entity", e);
        }
        for (k, v) in params {
            q.append_pair(k, v);
        }
        q.finish()
    }

    /// A link to `path` in this language, keeping the entity filter.
    pub fn link(&self, path: &str, params: &[(String, String)]) -> String {
        format!(
            "{path}?{}",
            Ctx::query(self.lang, self.entity.as_deref(), params)
        )
    }

    /// This page in the other language.
    pub fn with_lang(&self, lang: Lang) -> String {
        format!(
            "{}?{}",
            self.path,
            Ctx::query(lang, self.entity.as_deref(), &self.params)
        )
    }

    /// This page for every entity.
    pub fn without_entity(&self) -> String {
        format!(
            "{}?{}",
            self.path,
            Ctx::query(self.lang, None, &self.params)
        )
    }
}

/// A page that cannot be shown: its status and why, as an HTML page.
#[derive(Debug)]
pub struct WebError {
    lang: Lang,
    status: StatusCode,
    message: String,
}

impl WebError {
    pub fn new(lang: Lang, status: StatusCode, message: impl Into<String>) -> WebError {
        WebError {
            lang,
            status,
            message: message.into(),
        }
    }

    /// An API handler's refusal (its status and text) shown as a page.
    pub fn from_api(lang: Lang, e: crate::http::error::ApiError) -> WebError {
        WebError::new(lang, e.status, e.message.trim_end())
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let lang = self.lang;
        let title = match self.status {
            StatusCode::NOT_FOUND => lang.t("Introuvable", "Not found"),
            s if s.is_server_error() => lang.t("Chiffres indisponibles", "Figures unavailable"),
            _ => lang.t("Demande incorrecte", "Bad request"),
        };
        let ctx = Ctx {
            lang,
            path: "",
            entity: None,
            params: Vec::new(),
        };
        let body = format!(
            r#"<p class="bad" role="alert">{}</p><p>{} {}. <a href="{}">{}</a></p>"#,
            layout::esc(&self.message),
            lang.t("Erreur", "Error"),
            self.status.as_u16(),
            layout::esc(&ctx.link("/", &[])),
            lang.t("Revenir à la vue d'ensemble", "Back to the overview"),
        );
        (self.status, Html(layout::page(&ctx, title, &body))).into_response()
    }
}

/// A page's answer.
pub type PageResult = Result<Html<String>, WebError>;

/// A path nothing is served at: under `/api/` the API's JSON error pointing to its
/// description, elsewhere a page in the reader's language listing the pages.
pub async fn not_found(uri: axum::http::Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    if path.starts_with("/api/") {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(crate::http::error::ErrorBody {
                error: format!(
                    "no endpoint at {path}: the API's endpoints are listed in /api/v1/openapi.json"
                ),
            }),
        )
            .into_response();
    }
    let lang = Lang::choose(None, &headers).unwrap_or(Lang::Fr);
    let pages: Vec<&str> = layout::PAGES.iter().map(|(p, _, _)| *p).collect();
    WebError::new(
        lang,
        StatusCode::NOT_FOUND,
        format!(
            "{} {path}. {} {}",
            lang.t("Aucune page à l'adresse", "No page at"),
            lang.t("Les pages :", "The pages:"),
            pages.join(", ")
        ),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str, allowed: &[&str]) -> Result<Ctx, WebError> {
        Ctx::parse("/p", Some(q), &HeaderMap::new(), allowed)
    }

    #[test]
    fn a_page_reads_its_own_parameters_and_keeps_them_in_its_links() {
        let ctx = parse("lang=en&entity=Mairie+de+X&year=2025", &["entity", "year"]).unwrap();
        assert_eq!(ctx.lang, Lang::En);
        assert_eq!(ctx.entity.as_deref(), Some("Mairie de X"));
        assert_eq!(ctx.param("year"), Some("2025"));
        assert_eq!(
            ctx.with_lang(Lang::Fr),
            "/p?lang=fr&entity=Mairie+de+X&year=2025"
        );
        assert_eq!(ctx.without_entity(), "/p?lang=en&year=2025");
    }

    #[test]
    fn unknown_repeated_and_overlong_parameters_are_refused_with_a_4xx() {
        let e = parse("foo=1", &["entity"]).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(
            e.message.contains("foo") && e.message.contains("entity"),
            "{}",
            e.message
        );
        let e = parse("year=1&year=2", &["year"]).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        let e = parse(&format!("entity={}", "x".repeat(MAX_QUERY)), &["entity"]).unwrap_err();
        assert_eq!(e.status, StatusCode::URI_TOO_LONG);
        let e = parse("lang=de", &[]).unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn an_error_is_an_html_page_in_the_readers_language() {
        let r = WebError::new(Lang::En, StatusCode::NOT_FOUND, "No entity <x>").into_response();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let ctype = r.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ctype.starts_with("text/html"), "{ctype}");
    }
}
