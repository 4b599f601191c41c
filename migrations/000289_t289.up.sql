CREATE TABLE t289 (id bigint PRIMARY KEY, name text NOT NULL);
