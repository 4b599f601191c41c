CREATE TABLE t801 (id bigint PRIMARY KEY, name text NOT NULL);
