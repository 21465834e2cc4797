//! The axum side: GLPI's legacy `apirest.php` routes over a shared [`Fleet`].
//!
//! Request handling mirrors `API.php`/`APIRest.php` of GLPI 10.0.19: the app token is
//! checked first, then the session, then the parameters in the order `getItems` checks
//! them (range, order, sort), and the range overflow last, once the total is known.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{Value, json};

use super::fleet::{AssetType, Fleet};
use super::rows::{Collection, Ctx, Row};
use super::{Fault, PrinterLogAccess, SimOptions, SimStats};

/// GLPI's `list_limit` default: a list without `range` returns rows 0 to 14.
const LIST_LIMIT: usize = 15;
/// PHP's `max_input_vars` as GLPI reports it in `Accept-Range`.
const MAX_INPUT_VARS: u32 = 990;

/// Children of an asset that GLPI serves as sub-item lists; the simulator has none.
const EMPTY_CHILDREN: &[&str] = &[
    "Log",
    "Document_Item",
    "Contract_Item",
    "Item_Ticket",
    "NetworkPort",
    "Item_Disk",
    "Item_SoftwareVersion",
    "Item_OperatingSystem",
    "ReservationItem",
];

pub(crate) struct Shared {
    pub(crate) api_url: String,
    pub(crate) opts: SimOptions,
    pub(crate) data: Mutex<Data>,
    pub(crate) control: Mutex<Control>,
}

/// The served data, with the row orders computed from it. Every mutation goes through
/// `SimHandle::with_fleet`, which drops the orders.
pub(crate) struct Data {
    pub(crate) fleet: Fleet,
    pub(crate) orders: HashMap<(Collection, String, bool, bool), Arc<Vec<usize>>>,
}

#[derive(Default)]
pub(crate) struct Control {
    pub(crate) sessions: HashSet<String>,
    pub(crate) faults: VecDeque<(Fault, usize)>,
    /// Item types whose list answers `200 []`, without `Content-Range`.
    pub(crate) empty_lists: HashSet<String>,
    /// Whether `PrinterLog` is served, as by GLPI 10, or not.
    pub(crate) printer_log: PrinterLogAccess,
    pub(crate) stats: SimStats,
}

/// A poisoned lock only means a test panicked while holding it; the data is still usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/apirest.php", any(root))
        .route("/apirest.php/", any(root))
        .route("/apirest.php/{*path}", any(endpoint))
        .fallback(|| async { (StatusCode::NOT_FOUND, "Not Found") })
        .with_state(shared)
}

async fn root(
    State(shared): State<Arc<Shared>>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    dispatch(shared, method, String::new(), query, headers).await
}

async fn endpoint(
    State(shared): State<Arc<Shared>>,
    method: Method,
    Path(path): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    dispatch(shared, method, path, query, headers).await
}

/// What kind of JSON a successful body holds, for the faults that reshape it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    List,
    Item,
    Other,
}

struct Reply {
    status: StatusCode,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    shape: Shape,
}

impl Reply {
    fn json(status: StatusCode, value: &impl serde::Serialize, shape: Shape) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: serde_json::to_vec(value).unwrap_or_default(),
            shape,
        }
    }

    /// The status and headers, half the body, then an error that makes hyper abort the
    /// connection.
    fn into_dropped_response(mut self) -> Response {
        let half = self.body.split_off(self.body.len() / 2);
        drop(half);
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![
            Ok(std::mem::take(&mut self.body)),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "the fake drops the connection",
            )),
        ];
        self.respond(Body::from_stream(futures_util::stream::iter(chunks)))
    }

    fn into_response(mut self) -> Response {
        let body = Body::from(std::mem::take(&mut self.body));
        self.respond(body)
    }

    /// The status and headers with `body`.
    fn respond(self, body: Body) -> Response {
        let mut builder = Response::builder()
            .status(self.status)
            .header(header::CONTENT_TYPE, "application/json; charset=UTF-8");
        for (name, value) in self.headers {
            builder = builder.header(name, value);
        }
        builder
            .body(body)
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
    }
}

/// `API::returnError`: a `[code, message]` array. With `doc`, GLPI appends where the
/// documentation of the code lives, as real instances do for most codes.
fn error(shared: &Shared, status: StatusCode, code: &str, message: &str, doc: bool) -> Reply {
    let message = if doc {
        format!(
            "{message}; view documentation in your browser at {}/#{code}",
            shared.api_url
        )
    } else {
        message.to_string()
    };
    Reply::json(status, &json!([code, message]), Shape::Other)
}

fn bad_param(shared: &Shared, message: &str) -> Reply {
    error(shared, StatusCode::BAD_REQUEST, "ERROR", message, true)
}

fn resource_not_found(shared: &Shared) -> Reply {
    error(
        shared,
        StatusCode::BAD_REQUEST,
        "ERROR_RESOURCE_NOT_FOUND_NOR_COMMONDBTM",
        "resource not found or not an instance of CommonDBTM",
        true,
    )
}

/// Query string and headers of one request.
struct Params {
    query: Vec<(String, String)>,
    headers: HeaderMap,
}

impl Params {
    fn new(raw_query: Option<&str>, headers: HeaderMap) -> Params {
        Params {
            query: raw_query.map(parse_query).unwrap_or_default(),
            headers,
        }
    }

    /// The last value given for a query parameter, as PHP keeps it.
    fn get(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean parameter; GLPI converts `"true"`/`"false"` strings, PHP casts the rest.
    fn flag(&self, key: &str, default: bool) -> bool {
        match self.get(key) {
            None => default,
            Some(v) => !matches!(v.to_ascii_lowercase().as_str(), "" | "0" | "false"),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// A header, or the query parameter GLPI accepts in its place.
    fn token(&self, header_name: &str, param: &str) -> Option<&str> {
        self.header(header_name)
            .or_else(|| self.get(param).filter(|v| !v.is_empty()))
    }
}

fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let hex = |c: Option<&u8>| c.and_then(|c| (*c as char).to_digit(16)).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                if let (Some(hi), Some(lo)) = (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                    out.push(hi << 4 | lo);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn dispatch(
    shared: Arc<Shared>,
    method: Method,
    path: String,
    raw_query: Option<String>,
    headers: HeaderMap,
) -> Response {
    let params = Params::new(raw_query.as_deref(), headers);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.first() {
        Some(e) if e.eq_ignore_ascii_case("initSession") => {
            return init_session(&shared, &params).into_response();
        }
        Some(e) if e.eq_ignore_ascii_case("killSession") => {
            return kill_session(&shared, &params).into_response();
        }
        _ => {}
    }

    let fault = {
        let mut control = lock(&shared.control);
        let stats = &mut control.stats;
        stats.requests += 1;
        stats.last_path = Some(path.clone());
        stats.last_query = raw_query.clone();
        if segments.len() != 2 || segments[1].parse::<u64>().is_err() {
            stats.last_range_requested = params.get("range").map(str::to_string);
        }
        if let Some(first) = segments.first() {
            *stats
                .requests_by_itemtype
                .entry((*first).to_string())
                .or_insert(0) += 1;
        }
        take_fault(&mut control)
    };
    if let Some(Fault::Delay(d)) = &fault {
        tokio::time::sleep(*d).await;
    }
    if fault == Some(Fault::ServerError) {
        return error(
            &shared,
            StatusCode::INTERNAL_SERVER_ERROR,
            "ERROR_SQL",
            "Unexpected SQL Error : MySQL server has gone away",
            false,
        )
        .into_response();
    }
    if let [itemtype] = segments.as_slice()
        && lock(&shared.control).empty_lists.contains(*itemtype)
    {
        return Reply::json(StatusCode::OK, &json!([]), Shape::List).into_response();
    }
    let reply = data_request(&shared, &method, &segments, &params);
    if fault == Some(Fault::Dropped) && reply.status.is_success() {
        return reply.into_dropped_response();
    }
    match fault {
        Some(f) if reply.status.is_success() => corrupt(reply, &f).into_response(),
        _ => reply.into_response(),
    }
}

fn take_fault(control: &mut Control) -> Option<Fault> {
    let (fault, left) = control.faults.front_mut()?;
    let fault = fault.clone();
    *left -= 1;
    if *left == 0 {
        control.faults.pop_front();
    }
    control.stats.faults_served += 1;
    Some(fault)
}

/// Damages a good reply the way broken GLPI instances and proxies do.
fn corrupt(mut reply: Reply, fault: &Fault) -> Reply {
    match fault {
        Fault::MalformedJson => {
            // A PHP notice printed before the JSON, the classic broken-plugin symptom.
            let mut body = b"<br />\n<b>Warning</b>:  Undefined array key \"glpilist_limit\" in <b>/var/www/glpi/src/Api/API.php</b> on line <b>1194</b><br />\n".to_vec();
            body.extend_from_slice(&reply.body);
            reply.body = body;
        }
        Fault::TruncatedPage => {
            let text = String::from_utf8_lossy(&reply.body).into_owned();
            let mut cut = text.len() / 2;
            while cut > 0 && !text.is_char_boundary(cut) {
                cut -= 1;
            }
            reply.body = text.as_bytes()[..cut].to_vec();
        }
        Fault::WrongShape => {
            let value: Value = serde_json::from_slice(&reply.body).unwrap_or(Value::Null);
            let reshaped = match (reply.shape, value) {
                // PHP serialises a list whose keys are not 0..n as an object.
                (Shape::List, Value::Array(rows)) => Value::Object(
                    rows.into_iter()
                        .enumerate()
                        .map(|(i, r)| (i.to_string(), r))
                        .collect(),
                ),
                (Shape::List, _) => json!({}),
                (_, _) => json!([]),
            };
            reply.body = serde_json::to_vec(&reshaped).unwrap_or_default();
        }
        Fault::ServerError | Fault::Delay(_) | Fault::Dropped => {}
    }
    reply
}

fn check_app_token(shared: &Shared, params: &Params) -> Result<(), Reply> {
    let sent = params.token("App-Token", "app_token");
    match (shared.opts.app_token.as_deref(), sent) {
        (None, None) => Ok(()),
        (Some(want), Some(got)) if want == got => Ok(()),
        (Some(_), None) => Err(error(
            shared,
            StatusCode::BAD_REQUEST,
            "ERROR_APP_TOKEN_PARAMETERS_MISSING",
            "missing parameter app_token",
            true,
        )),
        // GLPI also rejects a token sent to an API client that has none.
        _ => Err(error(
            shared,
            StatusCode::BAD_REQUEST,
            "ERROR_WRONG_APP_TOKEN_PARAMETER",
            "parameter app_token seems wrong",
            true,
        )),
    }
}

fn check_session(shared: &Shared, params: &Params) -> Result<String, Reply> {
    let Some(token) = params.token("Session-Token", "session_token") else {
        return Err(error(
            shared,
            StatusCode::BAD_REQUEST,
            "ERROR_SESSION_TOKEN_MISSING",
            "parameter session_token is missing or empty",
            true,
        ));
    };
    if lock(&shared.control).sessions.contains(token) {
        Ok(token.to_string())
    } else {
        Err(error(
            shared,
            StatusCode::UNAUTHORIZED,
            "ERROR_SESSION_TOKEN_INVALID",
            "session_token seems invalid",
            false,
        ))
    }
}

fn init_session(shared: &Shared, params: &Params) -> Reply {
    if let Err(reply) = check_app_token(shared, params) {
        lock(&shared.control).stats.failed_logins += 1;
        return reply;
    }
    let authorization = params.header("Authorization").unwrap_or("");
    let (scheme, credentials) = authorization
        .split_once(' ')
        .map_or(("", ""), |(s, c)| (s, c.trim()));
    let user_token = if scheme.eq_ignore_ascii_case("user_token") {
        Some(credentials).filter(|c| !c.is_empty())
    } else {
        params.get("user_token").filter(|t| !t.is_empty())
    };
    let basic = scheme
        .eq_ignore_ascii_case("Basic")
        .then(|| decode_base64(credentials))
        .flatten()
        .and_then(|raw| {
            let text = String::from_utf8(raw).ok()?;
            let (login, password) = text.split_once(':')?;
            (!login.is_empty() && !password.is_empty())
                .then(|| (login.to_string(), password.to_string()))
        });
    let outcome = match (user_token, basic) {
        (Some(token), _) if token == shared.opts.user_token => Ok(()),
        (Some(_), _) => Err(error(
            shared,
            StatusCode::UNAUTHORIZED,
            "ERROR_GLPI_LOGIN_USER_TOKEN",
            "parameter user_token seems invalid",
            false,
        )),
        (None, Some(given)) => match &shared.opts.login {
            None => Err(error(
                shared,
                StatusCode::BAD_REQUEST,
                "ERROR_LOGIN_WITH_CREDENTIALS_DISABLED",
                "usage of initSession resource with credentials is disabled",
                false,
            )),
            Some(want) if *want == given => Ok(()),
            Some(_) => Err(error(
                shared,
                StatusCode::UNAUTHORIZED,
                "ERROR_GLPI_LOGIN",
                "Incorrect username or password",
                false,
            )),
        },
        (None, None) => Err(error(
            shared,
            StatusCode::BAD_REQUEST,
            "ERROR_LOGIN_PARAMETERS_MISSING",
            "parameter(s) login, password or user_token are missing",
            true,
        )),
    };
    let mut control = lock(&shared.control);
    match outcome {
        Ok(()) => {
            let token = session_token();
            control.sessions.insert(token.clone());
            control.stats.init_sessions += 1;
            control.stats.live_sessions = control.sessions.len();
            Reply::json(
                StatusCode::OK,
                &json!({ "session_token": token }),
                Shape::Other,
            )
        }
        Err(reply) => {
            control.stats.failed_logins += 1;
            reply
        }
    }
}

fn kill_session(shared: &Shared, params: &Params) -> Reply {
    if let Err(reply) = check_app_token(shared, params) {
        return reply;
    }
    match check_session(shared, params) {
        Ok(token) => {
            let mut control = lock(&shared.control);
            control.sessions.remove(&token);
            control.stats.kill_sessions += 1;
            control.stats.live_sessions = control.sessions.len();
            Reply::json(StatusCode::OK, &json!(true), Shape::Other)
        }
        Err(reply) => reply,
    }
}

/// 40 hex characters, like PHP session ids of GLPI.
fn session_token() -> String {
    const HEX: &[u8] = b"0123456789abcdef";
    (0..40)
        .map(|_| HEX[fastrand::usize(..HEX.len())] as char)
        .collect()
}

/// Standard base64 (RFC 4648, padding optional); `None` on any other character.
pub(crate) fn decode_base64(input: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in input.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

fn data_request(shared: &Shared, method: &Method, segments: &[&str], params: &Params) -> Reply {
    if let Err(reply) = check_app_token(shared, params) {
        return reply;
    }
    if let Err(reply) = check_session(shared, params) {
        return reply;
    }
    if method != Method::GET {
        return error(
            shared,
            StatusCode::METHOD_NOT_ALLOWED,
            "ERROR_METHOD_NOT_ALLOWED",
            "Method Not Allowed",
            true,
        );
    }
    let Some(first) = segments.first() else {
        return error(
            shared,
            StatusCode::BAD_REQUEST,
            "ERROR_RESOURCE_MISSING",
            "missing resource",
            true,
        );
    };
    if let Some(reply) = session_endpoint(shared, first) {
        return reply;
    }
    let Some(collection) = Collection::parse(first) else {
        return resource_not_found(shared);
    };
    let asks_log = collection == Collection::PrinterLog
        || segments
            .get(2)
            .is_some_and(|c| c.eq_ignore_ascii_case("PrinterLog"));
    if asks_log && let Some(reply) = printer_log_refused(shared) {
        return reply;
    }
    match segments {
        [_] => list(shared, collection, None, params),
        [_, id] => match id.parse::<u64>() {
            Ok(id) => item(shared, collection, id, params),
            Err(_) => resource_not_found(shared),
        },
        [_, id, child] => {
            let (Collection::Asset(t), Ok(id)) = (collection, id.parse::<u64>()) else {
                return resource_not_found(shared);
            };
            if lock(&shared.data).fleet.asset(t.itemtype(), id).is_none() {
                return item_not_found(shared);
            }
            if child.eq_ignore_ascii_case("Infocom") {
                list(shared, Collection::Infocom, Some((t, id)), params)
            } else if child.eq_ignore_ascii_case("PrinterLog") && t == AssetType::Printer {
                list(shared, Collection::PrinterLog, Some((t, id)), params)
            } else if EMPTY_CHILDREN.iter().any(|c| c.eq_ignore_ascii_case(child)) {
                let mut reply = Reply::json(StatusCode::OK, &json!([]), Shape::List);
                reply
                    .headers
                    .push(("Accept-Range", format!("{child} {MAX_INPUT_VARS}")));
                reply
            } else {
                resource_not_found(shared)
            }
        }
        _ => resource_not_found(shared),
    }
}

/// How a GLPI that does not serve `PrinterLog` refuses it: GLPI 9.5 has no such class
/// (`APIRest::call` checks the itemtype is a `CommonDBTM`), and GLPI 10 answers
/// `API::messageRightError` to a profile without the read right on printers.
fn printer_log_refused(shared: &Shared) -> Option<Reply> {
    match lock(&shared.control).printer_log {
        PrinterLogAccess::Served => None,
        PrinterLogAccess::Absent => Some(resource_not_found(shared)),
        PrinterLogAccess::Forbidden => Some(error(
            shared,
            StatusCode::FORBIDDEN,
            "ERROR_RIGHT_MISSING",
            "You don't have permission to perform this action.",
            false,
        )),
    }
}

/// The session helpers a client may call to check its access.
fn session_endpoint(shared: &Shared, name: &str) -> Option<Reply> {
    let fleet_entities = || {
        lock(&shared.data)
            .fleet
            .entities()
            .iter()
            .map(|e| json!({"id": e.id, "name": e.name}))
            .collect::<Vec<_>>()
    };
    let profile = json!({"id": 6, "name": "Observer", "interface": "central"});
    let body = match name.to_ascii_lowercase().as_str() {
        "getmyentities" => json!({ "myentities": fleet_entities() }),
        "getactiveentities" => json!({ "active_entity": {
            "id": 0,
            "active_entity_recursive": true,
            "active_entities": fleet_entities()
                .iter()
                .map(|e| json!({"id": e["id"]}))
                .collect::<Vec<_>>(),
        }}),
        "getmyprofiles" => json!({ "myprofiles": [profile] }),
        "getactiveprofile" => json!({ "active_profile": profile }),
        "getfullsession" => json!({ "session": {
            "glpiID": 7,
            "glpiname": "parcd",
            "glpiactiveprofile": profile,
            "glpiactive_entity": 0,
            "glpiactive_entity_recursive": 1,
            "glpilist_limit": LIST_LIMIT,
            "glpilanguage": "fr_FR",
        }}),
        "getglpiconfig" => json!({ "cfg_glpi": {
            "version": "10.0.19",
            "list_limit": LIST_LIMIT,
            "list_limit_max": 50,
            "url_base_api": shared.api_url,
        }}),
        _ => return None,
    };
    Some(Reply::json(StatusCode::OK, &body, Shape::Other))
}

fn item_not_found(shared: &Shared) -> Reply {
    error(
        shared,
        StatusCode::NOT_FOUND,
        "ERROR_ITEM_NOT_FOUND",
        "Item not found",
        false,
    )
}

fn render_ctx<'a>(shared: &'a Shared, params: &Params) -> Ctx<'a> {
    Ctx {
        api_url: &shared.api_url,
        hateoas: params.flag("get_hateoas", true),
        expand: params.flag("expand_dropdowns", false),
    }
}

fn item(shared: &Shared, c: Collection, id: u64, params: &Params) -> Reply {
    let ctx = render_ctx(shared, params);
    let data = lock(&shared.data);
    let f = &data.fleet;
    let Some(i) = c.position(f, id) else {
        return item_not_found(shared);
    };
    let mut row = c.render(f, i, &ctx);
    if let Collection::Asset(t) = c
        && params.flag("with_networkports", false)
    {
        row.0.push(("_networkports", f.networkports_json(t, id)));
    }
    if let Collection::Asset(t) = c
        && params.flag("with_infocoms", false)
    {
        let infocom = f
            .infocom(t.itemtype(), id)
            .and_then(|ic| f.infocom_index(ic.id))
            .map_or(json!([]), |j| {
                serde_json::to_value(Collection::Infocom.render(f, j, &ctx)).unwrap_or_default()
            });
        row.0.push(("_infocoms", infocom));
    }
    let modified = c.date_mod_at(f, i);
    drop(data);
    let mut reply = Reply::json(StatusCode::OK, &row, Shape::Item);
    if let Some(m) = modified {
        reply.headers.push((
            "Last-Modified",
            m.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        ));
    }
    reply
}

/// `range=start-end` as `getItems` accepts it: two unsigned integers.
fn parse_range(raw: &str) -> Option<(usize, usize)> {
    let (a, b) = raw.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    if !digits(a) || !digits(b) {
        return None;
    }
    let (start, end) = (a.parse().ok()?, b.parse().ok()?);
    (start <= end).then_some((start, end))
}

fn list(
    shared: &Shared,
    c: Collection,
    parent: Option<(AssetType, u64)>,
    params: &Params,
) -> Reply {
    let (start, end) = match params.get("range") {
        None => (0, LIST_LIMIT - 1),
        Some(raw) => match parse_range(raw) {
            Some(r) => r,
            None => {
                return bad_param(
                    shared,
                    "range must be in format : [start-end] with integers",
                );
            }
        },
    };
    let desc = match params.get("order") {
        None => false,
        Some(o) if o.eq_ignore_ascii_case("ASC") => false,
        Some(o) if o.eq_ignore_ascii_case("DESC") => true,
        Some(_) => return bad_param(shared, "order must be DESC or ASC"),
    };
    let sort = params.get("sort").unwrap_or("id");
    if !c.columns().contains(&sort) {
        return bad_param(
            shared,
            &format!("sort param is not a field of {}", c.table()),
        );
    }
    let trashed = params.flag("is_deleted", false);
    let ctx = render_ctx(shared, params);
    let only_id = params.flag("only_id", false);
    // GLPI 10 adds the ports to each row (API::getItems), before `only_id` keeps the id.
    let with_ports = params.flag("with_networkports", false);

    let mut data = lock(&shared.data);
    let order = ordered(&mut data, c, sort, desc, trashed);
    let f = &data.fleet;
    let positions: Vec<usize> = match parent {
        Some(of) => order
            .iter()
            .copied()
            .filter(|&i| c.parent_at(f, i) == Some(of))
            .collect(),
        None => Vec::new(),
    };
    let positions: &[usize] = if parent.is_some() { &positions } else { &order };
    let total = positions.len();
    if start > total {
        drop(data);
        return error(
            shared,
            StatusCode::BAD_REQUEST,
            "ERROR_RANGE_EXCEED_TOTAL",
            &format!("Provided range exceed total count of data: {total}"),
            true,
        );
    }
    let page = &positions[start..(end.saturating_add(1)).min(total)];
    let rows: Vec<Row> = page
        .iter()
        .map(|&i| {
            if only_id {
                Row(vec![("id", Value::from(c.id_at(f, i)))])
            } else {
                let mut row = c.render(f, i, &ctx);
                if let Collection::Asset(t) = c
                    && with_ports
                {
                    row.0
                        .push(("_networkports", f.networkports_json(t, c.id_at(f, i))));
                }
                row
            }
        })
        .collect();
    let body = serde_json::to_vec(&rows).unwrap_or_default();
    drop(data);

    // APIRest clips the end to the last row, then compares the span with the total.
    let clipped_end = (end as i64).min(total as i64 - 1);
    let partial = clipped_end - start as i64 + 1 < total as i64;
    let mut headers = vec![("Accept-Range", format!("{} {MAX_INPUT_VARS}", c.itemtype()))];
    if total > 0 {
        headers.push(("Content-Range", format!("{start}-{clipped_end}/{total}")));
    }
    Reply {
        status: if partial {
            StatusCode::PARTIAL_CONTENT
        } else {
            StatusCode::OK
        },
        headers,
        body,
        shape: Shape::List,
    }
}

/// Positions of the listed rows in `sort` order; ties are broken by id in the same
/// direction, so `date_mod DESC` pages never repeat or skip a row.
fn ordered(
    data: &mut Data,
    c: Collection,
    sort: &str,
    desc: bool,
    trashed: bool,
) -> Arc<Vec<usize>> {
    let key = (c, sort.to_string(), desc, trashed);
    if let Some(order) = data.orders.get(&key) {
        return Arc::clone(order);
    }
    let f = &data.fleet;
    let mut positions: Vec<usize> = (0..c.len(f))
        .filter(|&i| c.listed(f, i) != trashed)
        .collect();
    match sort {
        "id" => positions.sort_by_key(|&i| c.id_at(f, i)),
        "date_mod" => positions.sort_by_key(|&i| (c.date_mod_at(f, i), c.id_at(f, i))),
        column => {
            let ctx = Ctx {
                api_url: "",
                hateoas: false,
                expand: false,
            };
            let mut keyed: Vec<(Value, u64, usize)> = positions
                .iter()
                .map(|&i| {
                    let row = c.render(f, i, &ctx);
                    (
                        row.get(column).cloned().unwrap_or(Value::Null),
                        c.id_at(f, i),
                        i,
                    )
                })
                .collect();
            keyed.sort_by(|a, b| compare_sql(&a.0, &b.0).then(a.1.cmp(&b.1)));
            positions = keyed.into_iter().map(|(_, _, i)| i).collect();
        }
    }
    if desc {
        positions.reverse();
    }
    let order = Arc::new(positions);
    data.orders.insert(key, Arc::clone(&order));
    order
}

/// MySQL's ordering of the values a column holds: NULL first, numbers by value, text
/// case-insensitively.
fn compare_sql(a: &Value, b: &Value) -> std::cmp::Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) | Value::Number(_) => 1,
            Value::String(_) => 2,
            _ => 3,
        }
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap_or(0.0)
            .total_cmp(&y.as_f64().unwrap_or(0.0)),
        (Value::String(x), Value::String(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// A snapshot of the counters, with the live session count refreshed.
pub(crate) fn stats(shared: &Shared) -> SimStats {
    let control = lock(&shared.control);
    let mut stats = control.stats.clone();
    stats.live_sessions = control.sessions.len();
    stats
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_login_and_password() {
        assert_eq!(
            decode_base64("Z2xwaTpnbHBp").as_deref(),
            Some(&b"glpi:glpi"[..])
        );
        assert_eq!(decode_base64("YWI=").as_deref(), Some(&b"ab"[..]));
        assert_eq!(decode_base64("a*b"), None);
    }

    #[test]
    fn ranges_are_two_ordered_unsigned_integers() {
        assert_eq!(parse_range("0-999"), Some((0, 999)));
        assert_eq!(parse_range("10-5"), None);
        assert_eq!(parse_range("-5"), None);
        assert_eq!(parse_range("a-b"), None);
        assert_eq!(parse_range("1-2-3"), None);
    }

    #[test]
    fn query_strings_are_percent_decoded() {
        let q = parse_query("searchText%5Bname%5D=PC%20MTC&range=0-9&flag");
        assert_eq!(q[0], ("searchText[name]".into(), "PC MTC".into()));
        assert_eq!(q[1], ("range".into(), "0-9".into()));
        assert_eq!(q[2], ("flag".into(), String::new()));
    }
}
