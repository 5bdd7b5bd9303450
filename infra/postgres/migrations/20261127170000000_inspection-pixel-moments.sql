-- Up Migration
-- Each image decision keeps the mean and standard deviation of the pixel tensor the model was given, so that drift
-- of the inputs, like drift of the scores, can be read from the records of every gateway replica. Forward-only;
-- measurement decisions and rows recorded before this change have none.

ALTER TABLE inspections
  ADD COLUMN pixel_mean double precision CHECK (pixel_mean >= 0 AND pixel_mean <= 255),
  ADD COLUMN pixel_std double precision CHECK (pixel_std >= 0 AND pixel_std <= 128);
COMMENT ON COLUMN inspections.pixel_mean IS 'Image models: mean of all values of the UINT8 tensor sent to the model (after decoding and resizing); null otherwise.';
COMMENT ON COLUMN inspections.pixel_std IS 'Image models: population standard deviation of the same values; null otherwise.';
