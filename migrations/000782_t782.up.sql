CREATE TABLE t782 (id bigint PRIMARY KEY, name text NOT NULL);
