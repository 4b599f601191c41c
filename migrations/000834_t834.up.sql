CREATE TABLE t834 (id bigint PRIMARY KEY, name text NOT NULL);
