CREATE TABLE t789 (id bigint PRIMARY KEY, name text NOT NULL);
