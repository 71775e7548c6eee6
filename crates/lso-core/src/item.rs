//! Items as text, for the run record.

/// An item of the search space (an image, an expression, a molecule) with a text form.
///
/// The text form goes into the run record, and a resumed run reads items back from it, so
/// `from_text(&item.to_text())` must give back an item equal to `item` for everything the loop
/// uses (training, the objective). It must not contain a newline.
pub trait TextItem: Clone {
    /// The item as one line of text.
    fn to_text(&self) -> String;
    /// Parse an item from [`TextItem::to_text`]'s output.
    ///
    /// # Errors
    /// [`ParseItemError`] naming what is wrong.
    fn from_text(text: &str) -> Result<Self, ParseItemError>;
}

/// An item's text form could not be parsed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot parse item {text:?}: {reason}")]
pub struct ParseItemError {
    /// The text.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

impl TextItem for String {
    fn to_text(&self) -> String {
        self.clone()
    }

    fn from_text(text: &str) -> Result<Self, ParseItemError> {
        Ok(text.to_owned())
    }
}
