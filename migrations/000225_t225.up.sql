CREATE TABLE t225 (id bigint PRIMARY KEY, name text NOT NULL);
