//! The OpenAPI 3 document of `/api/v1`, generated from the handlers' annotations and the
//! types they answer with, so it cannot drift from what the API does.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{RefOr, Response, ResponseBuilder, SecurityRequirement};

use crate::http::error::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "parcd",
        description = "The read-only API of parcd: the fleet, its footprint, printing, mail, AGEC and REEN figures, alerts to procurement. Every error answers `{\"error\": \"...\"}`. When `[server] token` is set, every path asks for `Authorization: Bearer TOKEN`.",
        license(name = "EUPL-1.2"),
    ),
    paths(
        super::sources,
        super::indicators,
        super::simulate,
        super::printing,
        super::mail,
        super::agec,
        super::alerts,
        document,
    ),
    components(schemas(ErrorBody)),
    modifiers(&BearerToken),
    tags(
        (name = "sources", description = "The configured sources and their polls"),
        (name = "fleet", description = "Fleet indicators, footprint and the lifespan what-if"),
        (name = "printing", description = "Pages, paper and the printing footprint"),
        (name = "mail", description = "Mail stored and sent, and the email footprint, by mail domain and entity (never per person)"),
        (name = "circularity", description = "AGEC shares, REEN rate, DEEE exits, alerts"),
        (name = "meta", description = "This document"),
    )
)]
pub struct ApiDoc;

/// The optional bearer token: every operation may answer 401 when `[server] token` is set,
/// and takes either no credentials or the token. Every operation may also answer 414 to a
/// URI over [`crate::http::guard::MAX_URI_BYTES`].
struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        doc.security = Some(vec![
            SecurityRequirement::default(),
            SecurityRequirement::new("bearer", Vec::<String>::new()),
        ]);
        let error = || {
            utoipa::openapi::ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                .build()
        };
        let unauthorized: RefOr<Response> = ResponseBuilder::new()
            .description(
                "`[server] token` is set and the request has no bearer token, or another one",
            )
            .header(
                "WWW-Authenticate",
                utoipa::openapi::header::HeaderBuilder::new()
                    .schema(utoipa::openapi::schema::Object::with_type(
                        utoipa::openapi::schema::Type::String,
                    ))
                    .build(),
            )
            .content("application/json", error())
            .build()
            .into();
        let too_long: RefOr<Response> = ResponseBuilder::new()
            .description("The URI is longer than parcd reads")
            .content("application/json", error())
            .build()
            .into();
        for item in doc.paths.paths.values_mut() {
            if let Some(op) = item.get.as_mut() {
                let responses = &mut op.responses.responses;
                responses.insert("401".into(), unauthorized.clone());
                responses.insert("414".into(), too_long.clone());
            }
        }
    }
}

/// The document, built once.
pub fn json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .expect("the OpenAPI document serialises")
    })
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3 document of /api/v1", content_type = "application/json")))]
pub(super) async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], json())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A route added under /api/v1 without its `#[utoipa::path]` and its place in
    /// [`ApiDoc`] fails here.
    #[test]
    fn every_api_route_of_the_router_is_in_the_document() {
        let doc: serde_json::Value = serde_json::from_str(json()).unwrap();
        let documented: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let routes: Vec<&str> = include_str!("mod.rs")
            .split(".route(\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|path| path.starts_with("/api/"))
            .collect();
        assert!(routes.len() >= 7, "{routes:?}");
        for route in &routes {
            assert!(documented.contains(route), "{route} is not documented");
        }
        for path in &documented {
            assert!(routes.contains(path), "{path} is documented but not routed");
            for code in ["200", "401", "414"] {
                assert!(
                    doc["paths"][path]["get"]["responses"][code].is_object(),
                    "{path} {code}"
                );
            }
        }
    }
}
