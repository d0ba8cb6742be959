//! The time machine: density strip and the state of one entity at an instant.

use casefile::{
    AsOfQuery, Axis, ErrorDto, EventPage, EventQuery, History, StreamState, StreamSummary,
    Timeline, TimelineQuery, View,
};
use tauri::State;

use crate::state::AppState;

#[tauri::command]
pub fn timeline(
    buckets: usize,
    axis: Axis,
    stream_type: Option<String>,
    state: State<'_, AppState>,
) -> Result<Timeline, ErrorDto> {
    state.with_case(|c| {
        c.timeline(&TimelineQuery {
            buckets,
            axis,
            stream_type,
            ..Default::default()
        })
    })
}

#[tauri::command]
pub fn state_at(
    stream: String,
    at: i64,
    axis: Axis,
    view: View,
    state: State<'_, AppState>,
) -> Result<StreamState, ErrorDto> {
    state.with_case(|c| c.state(&stream, at, AsOfQuery { axis, view }))
}

#[tauri::command]
pub fn history(
    stream: String,
    axis: Axis,
    view: View,
    state: State<'_, AppState>,
) -> Result<History, ErrorDto> {
    state.with_case(|c| c.history(&stream, AsOfQuery { axis, view }))
}

/// One page of a stream's events, in axis order.
#[tauri::command]
pub fn events_page(
    stream: Option<String>,
    axis: Axis,
    limit: usize,
    offset: usize,
    state: State<'_, AppState>,
) -> Result<EventPage, ErrorDto> {
    state.with_case(|c| {
        c.events(&EventQuery {
            stream,
            axis,
            limit: limit.min(1_000),
            offset,
            ..Default::default()
        })
    })
}

/// Entity search: streams whose id contains `text`.
#[tauri::command]
pub fn search_streams(
    text: String,
    stream_type: Option<String>,
    state: State<'_, AppState>,
) -> Result<Vec<StreamSummary>, ErrorDto> {
    state.with_case(|c| c.streams(&text, stream_type.as_deref(), 50))
}
