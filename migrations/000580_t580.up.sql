CREATE TABLE t580 (id bigint PRIMARY KEY, name text NOT NULL);
