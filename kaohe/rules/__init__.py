"""The rules: params/*.yaml read into strict models (`models`), and the year's periods (`periods`)."""
