CREATE TABLE t246 (id bigint PRIMARY KEY, name text NOT NULL);
