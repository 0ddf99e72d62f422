//! A roadmap as a page for people: what the embed's "From" link opens when the roadmap site
//! lives nowhere else (`--site-url` unset). The embed's content, in a window of its own, with
//! its own title and canonical link; never framed.

use actix_web::web::{Data, Path};
use actix_web::{HttpRequest, HttpResponse, get};

use super::{EmbedQuery, View, answer_page};
use crate::http::ApiError;
use crate::http::query::PageQuery;
use crate::routes::AppState;

/// A roadmap as an HTML page for people: the embed page's content, with the roadmap's title
/// and a canonical link (to `--site-url` when it is set), progress checkboxes included. Never
/// framed (`frame-ancestors 'none'`). Printed (or saved as PDF from the browser), it is the
/// whole roadmap on paper, with links written out and no checkboxes or buttons. A bad
/// parameter is a 400 page and an unknown roadmap a 404 page (HTML, like the page itself).
#[utoipa::path(
    tag = "embeds",
    params(("slug" = crate::domain::Slug, Path, description = "The roadmap's slug.", example = "healthcare-ai-ml-engineer"), EmbedQuery),
    responses(
        (status = 200, description = "The page.", content_type = "text/html", body = String,
         headers(
            ("Content-Security-Policy" = String, description = "`default-src 'none'`, the page's own style and script by hash, and `frame-ancestors 'none'`."),
            ("ETag" = String),
         )),
        (status = 304, description = "The client's copy is current."),
        (status = 400, description = "A bad parameter, as a small HTML page.", content_type = "text/html", body = String),
        (status = 404, description = "An unknown roadmap or revision, as a small HTML page.", content_type = "text/html", body = String),
    )
)]
#[get("/roadmaps/{slug}")]
pub async fn page_for_people(
    req: HttpRequest,
    state: Data<AppState>,
    slug: Path<String>,
    query: Result<PageQuery<EmbedQuery>, ApiError>,
) -> HttpResponse {
    answer_page(&req, &state, &slug, query, View::Standalone).await
}
