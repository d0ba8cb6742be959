//! The time machine: density strip, the state of one entity at an instant, its events and their
//! detail. Every command is async so a slow answer (or one waiting for an import to finish with the
//! case) never blocks the window's main thread.

use casefile::{
    AsOfQuery, Axis, ErrorDto, EventDetail, EventPage, EventQuery, GapsReport, History,
    StreamState, StreamSummary, Timeline, TimelineQuery, View,
};
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub async fn timeline(
    buckets: usize,
    axis: Axis,
    stream_type: Option<String>,
    from: Option<i64>,
    to: Option<i64>,
    state: State<'_, AppState>,
) -> Result<Timeline, ErrorDto> {
    state.with_case(|c| {
        c.timeline(&TimelineQuery {
            buckets,
            axis,
            stream_type,
            from,
            to,
            ..Default::default()
        })
    })
}

/// Where the case does not hold a stream's whole history (one stream's, or every stream's).
#[tauri::command]
pub async fn gaps(
    stream: Option<String>,
    state: State<'_, AppState>,
) -> Result<GapsReport, ErrorDto> {
    state.with_case(|c| c.gaps(stream.as_deref()))
}

#[tauri::command]
pub async fn state_at(
    stream: String,
    at: i64,
    axis: Axis,
    view: View,
    state: State<'_, AppState>,
) -> Result<StreamState, ErrorDto> {
    state.with_case(|c| c.state(&stream, at, AsOfQuery { axis, view }))
}

#[tauri::command]
/// A page of a stream's history: the steps after the first `after`, at most `limit`.
pub async fn history(
    stream: String,
    axis: Axis,
    view: View,
    after: usize,
    limit: usize,
    state: State<'_, AppState>,
) -> Result<History, ErrorDto> {
    state.with_case(|c| c.history_page(&stream, AsOfQuery { axis, view }, after, Some(limit)))
}

/// One page of a stream's events, in axis order.
#[tauri::command]
pub async fn events_page(
    stream: Option<String>,
    axis: Axis,
    limit: usize,
    offset: usize,
    after: Option<String>,
    state: State<'_, AppState>,
) -> Result<EventPage, ErrorDto> {
    state.with_case(|c| {
        c.events(&EventQuery {
            stream,
            axis,
            limit: limit.min(1_000),
            offset,
            after,
            ..Default::default()
        })
    })
}

/// Entity search: streams whose id contains `text`.
#[tauri::command]
pub async fn search_streams(
    text: String,
    stream_type: Option<String>,
    state: State<'_, AppState>,
) -> Result<Vec<StreamSummary>, ErrorDto> {
    state.with_case(|c| c.streams(&text, stream_type.as_deref(), 50))
}

/// One event in full: payload, metadata, actor, reason, causation chain, provenance.
#[tauri::command]
pub async fn event_detail(
    stream: String,
    event_id: String,
    state: State<'_, AppState>,
) -> Result<EventDetail, ErrorDto> {
    state.with_case(|c| c.event_detail(&stream, &event_id))
}
