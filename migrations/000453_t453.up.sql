CREATE TABLE t453 (id bigint PRIMARY KEY, name text NOT NULL);
