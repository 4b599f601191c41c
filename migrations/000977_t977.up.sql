CREATE TABLE t977 (id bigint PRIMARY KEY, name text NOT NULL);
